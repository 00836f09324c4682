"""A project's declaration (``pleval.yaml``): the evaluation's own words for its sites, attributes, roles,
periods, attributions, redaction and briefs.

The vocabulary of an evaluation is data, not code: a program in schools declares schools, regions and school
years; one in clinics declares clinics, states and program years. Without a ``pleval.yaml`` a project gets
:data:`DEFAULT_DECLARATION` (what :class:`Declaration` holds when nothing is given):

- the site is a "site" ("sites"), named by the metadata key ``site``;
- no attributes are declared (any is accepted, and reported once as undeclared) and any role is accepted;
- periods are calendar years (a filter ``year: [2025]`` means what it says);
- an attribution is the role's noun alone, generalised to "A participant";
- redaction replaces people, sites (with no site-name endings), emails and phones, with the usual titles;
- the briefs speak of "participants".

Declaring a list of allowed ``values`` for an attribute (or a list of ``roles``) makes validation strict: a value
outside it is an error, with "did you mean" for a near miss (:meth:`Attribute.check`, :meth:`Declaration.check_role`).

Nothing here reads a file: :mod:`pleval.inputs.declaration` loads ``pleval.yaml`` with line and column.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable
from typing import Literal, Self

from pydantic import Field, ValidationInfo, field_validator, model_validator

from .base import Phrase, StrictModel, school_year
from .transcript import SITE, TranscriptMeta

#: Transcript metadata keys that every project has (besides the site's key); any other key is an attribute.
TRANSCRIPT_KEYS = ("id", "type", "date", "interviewer", "participants", "mentions", "notes")
#: Keys of a participant (or a person mentioned) that every project has; any other key is an attribute.
PERSON_KEYS = ("name", "role", "label", "notes")

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """``" (did you mean 'central'?)"`` for the nearest of ``choices`` to ``value``, or ``""``."""
    choices = [str(c) for c in choices]
    lowered = {c.casefold(): c for c in choices}
    close = difflib.get_close_matches(str(value).casefold(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean '{lowered[close[0]]}'?)" if close else ""


def _name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError(f"'{value}' must be lower case letters, digits and '_', starting with a letter "
                         "(it is a metadata key)")
    return value


class Noun(StrictModel):
    """A noun in the singular and the plural: ``school``/``schools``, ``educator or leader``/``educators and
    leaders``."""

    singular: Phrase
    plural: Phrase


class SiteWords(StrictModel):
    """The place people belong to (school, clinic, branch library): the metadata key naming it and its words."""

    key: str = "site"
    singular: str = Field(default="site", min_length=1)
    plural: str = Field(default="sites", min_length=1)
    required: bool = False  # true: a transcript without its site is an error (else a warning, once)

    @field_validator("key")
    @classmethod
    def _key_is_a_name(cls, value: str) -> str:
        return _name(value)


class Attribute(StrictModel):
    """A site's or a participant's attribute, as NVivo's case classifications or Dedoose's descriptors.

    ``values`` empty means any value; given, a value outside it is an error. ``words`` says how a value is
    worded in prose (a value not listed is said as written; ``null`` leaves it unsaid), and ``phrase`` how the
    worded value joins an attribution: ``"{}"`` before the role's noun ("A high school principal") with
    ``before: true``, else after it ("from {}", "in {} County").
    """

    name: str
    label: str | None = None
    values: tuple[str, ...] = ()
    required: bool = False
    words: dict[str, str | None] = Field(default_factory=dict)
    phrase: str = "{}"
    before: bool = False

    @field_validator("name")
    @classmethod
    def _name_is_a_key(cls, value: str) -> str:
        return _name(value)

    @field_validator("values", mode="before")
    @classmethod
    def _values_as_text(cls, value: object) -> object:
        return [str(v) for v in value] if isinstance(value, list) else value

    @field_validator("values")
    @classmethod
    def _values_once(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise ValueError(f"{', '.join(repeated)} listed twice")
        return values

    @field_validator("words")
    @classmethod
    def _words_of_values(cls, words: dict[str, str | None], info: ValidationInfo) -> dict[str, str | None]:
        values = info.data.get("values") or ()
        unknown = [w for w in words if values and w not in values]
        if unknown:
            raise ValueError(f"'{unknown[0]}' is not one of the values{did_you_mean(unknown[0], values)}")
        return words

    @field_validator("phrase")
    @classmethod
    def _one_slot(cls, value: str) -> str:
        if value.count("{}") != 1:
            raise ValueError(f"phrase '{value}' must hold '{{}}' once, where the value's words go")
        return value

    @property
    def title(self) -> str:
        """The label, or the name made readable ("School level")."""
        return self.label or self.name.replace("_", " ").capitalize()

    def check(self, value: object) -> str | None:
        """What is wrong with ``value`` (an unlisted value, with "did you mean"), or None when it is allowed."""
        if not self.values or str(value) in self.values:
            return None
        return (f"{self.name} '{value}' is not one of: {', '.join(self.values)}"
                f"{did_you_mean(str(value), self.values)}")

    def worded(self, value: str) -> str | None:
        """How ``value`` is said in prose: its declared words, or the value itself; None when left unsaid."""
        return self.words.get(value, value)


class RoleGroup(StrictModel):
    """Roles grouped as a brief speaks of them: an attribution generalised to the group ("A school leader"),
    and the people the prose names ("Educators and leaders")."""

    id: str
    noun: Phrase
    people: Phrase


class Role(StrictModel):
    """A participant role: how it is named, signed and grouped, and what does not describe it."""

    id: str
    label: str | None = None
    noun: str | None = None
    plural: str | None = None
    title: str | None = None
    group: str | None = None
    placeholder: str | None = None
    without: tuple[str, ...] = ()  # attributes that do not describe people in this role (their work is not one site's)

    @field_validator("id")
    @classmethod
    def _id_is_a_name(cls, value: str) -> str:
        return _name(value)

    @property
    def words(self) -> str:
        """The id made readable: ``community_health_worker`` -> ``community health worker``."""
        return self.id.replace("_", " ")

    @property
    def singular(self) -> str:
        """How an attribution names the role ("educator" for a teacher); the id's words by default."""
        return self.noun or self.words

    @property
    def plurals(self) -> str:
        return self.plural or self.singular + "s"

    @property
    def signature(self) -> str:
        """How a pull quote is signed ("Teacher")."""
        return self.title or self.label or self.singular.capitalize()

    @property
    def redacted(self) -> str:
        """What replaces a name of someone in this role: ``[teacher]``."""
        return f"[{self.placeholder or self.words}]"


class Periods(StrictModel):
    """How dates fall into periods: school years from ``start_month``, calendar years, program years, or none."""

    kind: Literal["school_year", "calendar_year", "program_year", "none"] = "calendar_year"
    start_month: int | None = Field(default=None, ge=1, le=12)
    label: str | None = None

    @model_validator(mode="after")
    def _start(self) -> Self:
        if self.kind in ("school_year", "program_year") and self.start_month is None:
            raise ValueError(f"kind {self.kind} needs a start_month (1-12)")
        if self.kind in ("calendar_year", "none") and self.start_month not in (None, 1):
            raise ValueError(f"kind {self.kind} takes no start_month")
        return self

    @property
    def title(self) -> str:
        """"school year", "program year", "year"."""
        return self.label or {"school_year": "school year", "program_year": "program year"}.get(self.kind, "year")

    @property
    def spans_two_years(self) -> bool:
        """Whether a period is named by the two years it spans (``2023-2024``) rather than by one (``2025``)."""
        return self.kind in ("school_year", "program_year") and self.start_month not in (None, 1)

    def of(self, date: dt.date) -> str | None:
        """The period ``date`` falls in: ``'2023-2024'`` for 2024-03-05 in school years from July, ``'2024'`` in
        calendar years; None when the project has no periods."""
        if self.kind == "none":
            return None
        if not self.spans_two_years:
            return str(date.year)
        first = date.year if date.month >= (self.start_month or 1) else date.year - 1
        return f"{first}-{first + 1}"

    def normalise(self, value: object) -> str:
        """A period as the project names it, from how a person wrote it (``2023-24``, ``2023/2024``, ``2025``).

        Raises
        ------
        ValueError
            If ``value`` is not written as this project's periods are (the message shows how).
        """
        if self.kind == "none":
            raise ValueError(f"'{value}' is a period, but pleval.yaml declares none (periods: kind: none)")
        if self.spans_two_years:
            return school_year(value, self.title)
        text = str(value).strip()
        if not re.fullmatch(r"\d{4}", text):
            raise ValueError(f"{self.title} '{value}' is not written like 2025")
        return text


class AttributionOrder(StrictModel):
    """What a quote's attribution is built from: ``attributes`` in the order they are dropped to generalise it
    (the role, then its group, go last), and the ``signature`` a pull quote keeps."""

    attributes: tuple[str, ...] = ()
    signature: tuple[str, ...] = ()
    minimum_shared: int = Field(default=2, ge=1)


class PlaceWords(StrictModel):
    """An attribute whose values name a place to de-identify (a district, a service center)."""

    placeholder: Phrase
    endings: tuple[str, ...] = ()
    find_in_text: bool = False  # also any "<Name> <ending>" in the talk, whose bare name then goes everywhere


class RedactionWords(StrictModel):
    """The words de-identification needs: how site and place names end (what is left is their short form),
    titles before a surname, words never redacted, and words always capitalised that are no names."""

    site_endings: tuple[str, ...] = ()
    places: dict[str, PlaceWords] = Field(default_factory=dict)
    titles: tuple[str, ...] = ("Mr", "Mrs", "Ms", "Miss", "Dr")
    never_redact: tuple[str, ...] = ()
    capitalised: tuple[str, ...] = ()


class Spread(StrictModel):
    """A site attribute a theme's prevalence is also counted across: ``region`` counted in ``regions`` ("It was
    voiced in schools in 4 of the 5 regions")."""

    attribute: str
    plural: Phrase


class BriefWords(StrictModel):
    """The briefs' words: the people interviewed as a whole, survey respondents, and what a theme's spread is
    counted across (none by default)."""

    people: Noun = Noun(singular="participant", plural="participants")
    respondents: Noun = Noun(singular="respondent", plural="respondents")
    spread: Spread | None = None


class Declaration(StrictModel):
    """A project's declaration: ``pleval.yaml`` at its root, or :data:`DEFAULT_DECLARATION`."""

    site: SiteWords = SiteWords()
    site_attributes: tuple[Attribute, ...] = ()
    participant_attributes: tuple[Attribute, ...] = ()
    roles: tuple[Role, ...] = ()
    role_groups: tuple[RoleGroup, ...] = ()
    periods: Periods = Periods()
    attribution: AttributionOrder = AttributionOrder()
    redaction: RedactionWords = RedactionWords()
    words: BriefWords = BriefWords()

    def site_attribute(self, name: str) -> Attribute | None:
        return next((a for a in self.site_attributes if a.name == name), None)

    def participant_attribute(self, name: str) -> Attribute | None:
        return next((a for a in self.participant_attributes if a.name == name), None)

    def attribute(self, name: str) -> Attribute | None:
        """A site's attribute, else a participant's, by name."""
        return self.site_attribute(name) or self.participant_attribute(name)

    def name_of(self, key: str) -> str:
        """The built-in name behind a metadata key: the site's declared key (``school``) is ``site``."""
        return SITE if key == self.site.key else key

    def value(self, meta: TranscriptMeta, key: str) -> str | None:
        """What a transcript's metadata says under ``key``: the site (under its declared key or ``site``), the
        type, the date, or an attribute; None when it says nothing."""
        return meta.value(self.name_of(key))

    def role(self, role_id: str) -> Role | None:
        return next((r for r in self.roles if r.id == role_id), None)

    def group(self, group_id: str | None) -> RoleGroup | None:
        return next((g for g in self.role_groups if g.id == group_id), None)

    @property
    def site_required(self) -> bool:
        return self.site.required

    @property
    def role_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.roles)

    @property
    def strict_roles(self) -> bool:
        """Declared roles make a role outside them an error; with none declared any role is accepted."""
        return bool(self.roles)

    def check_role(self, role: str) -> str | None:
        """What is wrong with a participant's ``role``, with "did you mean"; None when it is declared (or when
        no roles are declared)."""
        if not self.roles or role in self.role_ids:
            return None
        return f"role '{role}' is not one of: {', '.join(self.role_ids)}{did_you_mean(role, self.role_ids)}"

    def inconsistencies(self) -> list[tuple[str, tuple[str | int, ...], str]]:
        """Cross-references that do not resolve, as ``(message, location in the file, fix)``: a name given
        twice, a role's group or an attribution's attribute that nobody declared..."""
        found: list[tuple[str, tuple[str | int, ...], str]] = []
        names: dict[str, str] = {}
        for part in ("site_attributes", "participant_attributes"):
            for i, attribute in enumerate(getattr(self, part)):
                if attribute.name in names or attribute.name in (self.site.key, *TRANSCRIPT_KEYS, *PERSON_KEYS):
                    found.append((f"attribute '{attribute.name}' is declared twice or names a built-in key",
                                  (part, i, "name"), "give each attribute its own name"))
                names.setdefault(attribute.name, part)
        attributes = list(names)
        seen_roles: set[str] = set()
        group_ids = [g.id for g in self.role_groups]
        for i, role in enumerate(self.roles):
            if role.id in seen_roles:
                found.append((f"role '{role.id}' is declared twice", ("roles", i, "id"), "keep one"))
            seen_roles.add(role.id)
            if role.group is not None and role.group not in group_ids:
                found.append((f"role '{role.id}': unknown group '{role.group}'{did_you_mean(role.group, group_ids)}",
                              ("roles", i, "group"), "declare it under role_groups, or correct it"))
            for j, name in enumerate(role.without):
                if name not in attributes:
                    found.append((f"role '{role.id}': unknown attribute '{name}'{did_you_mean(name, attributes)}",
                                  ("roles", i, "without", j), "name a declared attribute"))
        for key in ("attributes", "signature"):
            for j, name in enumerate(getattr(self.attribution, key)):
                if name not in attributes:
                    found.append((f"attribution: unknown attribute '{name}'{did_you_mean(name, attributes)}",
                                  ("attribution", key, j), "name a declared attribute"))
        spread = self.words.spread
        site_names = [a.name for a in self.site_attributes]
        if spread is not None and spread.attribute not in site_names:
            found.append((f"words: unknown site attribute '{spread.attribute}'"
                          f"{did_you_mean(spread.attribute, site_names)}", ("words", "spread", "attribute"),
                          "name a declared site attribute"))
        for name in self.redaction.places:
            if name not in attributes:
                found.append((f"redaction: unknown attribute '{name}'{did_you_mean(name, attributes)}",
                              ("redaction", "places", name), "name a declared site attribute"))
        return found


#: What a project without ``pleval.yaml`` declares.
DEFAULT_DECLARATION = Declaration()
