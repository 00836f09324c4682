"""De-identified attributions for quotes, built from metadata and generalised until they fit two people or more.

An example quote opens with who said it, in the seed brief's style: "A high school principal from a small town
in northwest Ohio", "An elementary educator in southwest Ohio". A pull quote is signed by role and level only:
"Teacher, middle school". If fewer than two participants in the whole study (every transcript, not only the
brief's) share the attribution, it is generalised one step at a time until at least two do:

1. role, school level, locale and region ("A high school principal from a small town in northwest Ohio");
2. without the locale ("A high school principal in northwest Ohio");
3. without the level ("A principal in northwest Ohio");
4. without the region ("A principal");
5. a broad role ("A school leader", "An educator");
6. "A participant".

District leaders and ESC facilitators are not described by a school level: their work is not one school's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..schema import Transcript

#: How an example names each role (the seed says "educator" for a classroom teacher).
ROLE_NOUNS = {
    "teacher": "educator", "instructional_coach": "instructional coach", "principal": "principal",
    "assistant_principal": "assistant principal", "district_leader": "district leader",
    "esc_facilitator": "ESC facilitator", "counselor": "counselor",
    "intervention_specialist": "intervention specialist", "paraprofessional": "paraprofessional",
    "other": "participant",
}
#: How a pull quote signs each role ("Teacher, middle school").
ROLE_TITLES = {
    "teacher": "Teacher", "instructional_coach": "Instructional coach", "principal": "Principal",
    "assistant_principal": "Assistant principal", "district_leader": "District leader",
    "esc_facilitator": "ESC facilitator", "counselor": "Counselor",
    "intervention_specialist": "Intervention specialist", "paraprofessional": "Paraprofessional",
    "other": "Participant",
}
BROAD_ROLES = {
    "teacher": "educator", "instructional_coach": "educator", "counselor": "educator",
    "intervention_specialist": "educator", "paraprofessional": "educator", "principal": "school leader",
    "assistant_principal": "school leader", "district_leader": "district or regional leader",
    "esc_facilitator": "district or regional leader", "other": "participant",
}
NOT_AT_A_SCHOOL = {"district_leader", "esc_facilitator"}
LEVEL_WORDS = {"elementary": "elementary", "middle": "middle school", "high": "high school", "k-8": "K-8",
               "k-12": "K-12", "district": None}
LOCALE_WORDS = {"rural": "a rural community", "small town": "a small town", "suburban": "a suburban community",
                "urban": "a city"}
#: The steps of generalisation, each naming what it leaves out.
STEPS = ((), ("locale",), ("locale", "level"), ("locale", "level", "region"),
         ("locale", "level", "region", "role"), ("locale", "level", "region", "role", "broad role"))
SHORT_STEPS = ((), ("level",), ("level", "role"), ("level", "role", "broad role"))
MINIMUM_SHARED = 2


@dataclass(frozen=True)
class Profile:
    """What the metadata says about one participant, as far as an attribution may use it."""

    role: str
    level: str | None
    locale: str
    region: str


@dataclass(frozen=True)
class Attribution:
    """An attribution, what was dropped to make it, and how many participants in the study it fits."""

    text: str
    dropped: tuple[str, ...]
    shared_by: int


def _article(phrase: str) -> str:
    first = phrase.split()[0]
    vowel = first[:1].lower() in "aeio" or (first.isupper() and first[:1] in "AEFHILMNORSX")
    return ("An " if vowel else "A ") + phrase


def profile_of(transcript: Transcript, role: str) -> Profile:
    """A participant's profile from their role and their transcript's metadata."""
    meta = transcript.meta
    level = None if role in NOT_AT_A_SCHOOL else LEVEL_WORDS.get(meta.attributes.get("school_level"))
    return Profile(role=role, level=level, locale=meta.attributes.get("locale"), region=meta.attributes.get("region"))


def _key(profile: Profile, dropped: tuple[str, ...]) -> tuple:
    if "broad role" in dropped:
        return ("participant",)
    if "role" in dropped:
        return (BROAD_ROLES.get(profile.role, "participant"),)
    return (profile.role,
            None if "level" in dropped else profile.level,
            None if "locale" in dropped else profile.locale,
            None if "region" in dropped else profile.region)


def _short_key(profile: Profile, dropped: tuple[str, ...]) -> tuple:
    if "broad role" in dropped:
        return ("participant",)
    if "role" in dropped:
        return (BROAD_ROLES.get(profile.role, "participant"),)
    return (profile.role, None if "level" in dropped else profile.level)


class Attributor:
    """Attributions that fit at least two participants of the whole study.

    Parameters
    ----------
    transcripts : list of Transcript
        Every transcript of the project: its participants are the people an attribution must not single out.
    state : str
        Names regions: "northwest Ohio" with "Ohio", "the northwest region" without.
    """

    def __init__(self, transcripts: list[Transcript], *, state: str = ""):
        self.state = state
        people: dict[tuple, Profile] = {}
        for transcript in transcripts:
            for participant in transcript.meta.participants:
                person = (" ".join(participant.name.split()).casefold(), transcript.meta.site.casefold())
                people.setdefault(person, profile_of(transcript, participant.role))
        self.profiles = list(people.values())
        self._counts = {dropped: Counter(_key(p, dropped) for p in self.profiles) for dropped in STEPS}
        self._short_counts = {dropped: Counter(_short_key(p, dropped) for p in self.profiles)
                              for dropped in SHORT_STEPS}

    def _region(self, region: str) -> str:
        return f"{region} {self.state}" if self.state else f"the {region} region"

    def describe(self, profile: Profile, dropped: tuple[str, ...] = ()) -> str:
        """The attribution of ``profile`` with the parts in ``dropped`` left out."""
        if "broad role" in dropped:
            return "A participant"
        if "role" in dropped:
            return _article(BROAD_ROLES.get(profile.role, "participant"))
        noun = ROLE_NOUNS.get(profile.role, "participant")
        level = None if "level" in dropped else profile.level
        text = _article(f"{level} {noun}" if level else noun)
        if "locale" not in dropped and "region" not in dropped:
            text += f" from {LOCALE_WORDS.get(profile.locale, 'a ' + profile.locale + ' community')}"
        if "region" not in dropped:
            text += f" in {self._region(profile.region)}"
        return text

    def attribute(self, profile: Profile) -> Attribution:
        """The most specific attribution that at least two participants in the study share."""
        for dropped in STEPS:
            shared = self._counts[dropped][_key(profile, dropped)]
            if shared >= MINIMUM_SHARED:
                return Attribution(self.describe(profile, dropped), dropped, shared)
        return Attribution("A participant", STEPS[-1], self._counts[STEPS[-1]][("participant",)])

    def sign(self, profile: Profile) -> Attribution:
        """A pull quote's signature, "Teacher, middle school", generalised like :meth:`attribute`."""
        for dropped in SHORT_STEPS:
            shared = self._short_counts[dropped][_short_key(profile, dropped)]
            if shared >= MINIMUM_SHARED:
                return Attribution(self._signature(profile, dropped), dropped, shared)
        return Attribution("Participant", SHORT_STEPS[-1], self._short_counts[SHORT_STEPS[-1]][("participant",)])

    @staticmethod
    def _signature(profile: Profile, dropped: tuple[str, ...]) -> str:
        if "broad role" in dropped:
            return "Participant"
        if "role" in dropped:
            return BROAD_ROLES.get(profile.role, "participant").capitalize()
        title = ROLE_TITLES.get(profile.role, "Participant")
        return f"{title}, {profile.level}" if profile.level and "level" not in dropped else title
