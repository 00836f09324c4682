"""Evaluation briefs: briefs.yaml, redaction, attribution, quotes, prose, assembly, rendering, the drafted cache."""
