"""The domain's words that the data model checks values against: participant roles, regions, school levels
and locales. Kept together so that they can become a project's data in one move."""

from __future__ import annotations

ROLES = (
    "teacher",
    "instructional_coach",
    "principal",
    "assistant_principal",
    "district_leader",
    "esc_facilitator",
    "counselor",
    "intervention_specialist",
    "paraprofessional",
    "other",
)
REGIONS = ("northwest", "northeast", "southwest", "southeast", "central")
SCHOOL_LEVELS = ("elementary", "middle", "high", "k-8", "k-12", "district")
LOCALES = ("rural", "small town", "suburban", "urban")
