"""Coding a project: running the coders with a cache, the human coding store, codings on units,
which coding counts, reliability, and codings tables in and out."""
