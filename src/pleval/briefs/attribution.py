"""De-identified attributions for quotes, in the project's words, generalised until they fit enough people.

An example quote opens with who said it, as ``pleval.yaml`` declares (:class:`~pleval.schema.declaration.
AttributionOrder`): the role's noun (:attr:`Role.singular`) with the ``attribution.attributes`` of the person's
site and of the person, each value worded as its attribute says (:meth:`Attribute.worded`) and joined by its
``phrase``, before the noun (``before: true``) or after it: "A nurse from Lane County in Oregon". A pull quote
is signed by the role's :attr:`Role.signature` and the ``attribution.signature`` attributes: "Nurse, family
clinic".

If fewer than ``attribution.minimum_shared`` people (2 by default) among those the :class:`Attributor` is given
(a brief's scope: the participants of the transcripts the brief selects) share an attribution, it is
generalised one step at a time until enough do:

1. every attribute ("A nurse from Lane County in Oregon");
2. without the first attribute, then without the next... ("A nurse in Oregon"), down to the role's noun alone
   ("A nurse");
3. the noun of the role's group ("A clinic staff member"), when the role has one;
4. the noun for everyone interviewed, ``words.people`` ("A participant").

An attribute a role lists under ``without`` never describes people in that role (their work is not one site's).
A role nobody declared is named by its id ("A community health worker"); an attribute nobody declared is never
used. How many people an attribution fits is how many of them the very same words would describe.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from ..schema import Person, Transcript
from ..schema.declaration import DEFAULT_DECLARATION, Attribute, Declaration, Role

#: What a step of generalisation drops besides attributes: the role's noun (for its group's), then the group's
#: noun (for the people noun). Recorded in a quote's ``generalised``.
ROLE = "role"
GROUP = "broad role"


@dataclass(frozen=True)
class Profile:
    """What the metadata says about one participant: their role, and the attributes of their site and their own
    (a participant's own win over their site's)."""

    role: str
    attributes: Mapping[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str | None:
        return self.attributes.get(name)


@dataclass(frozen=True)
class Attribution:
    """An attribution, what was dropped to make it, and how many participants in scope it fits."""

    text: str
    dropped: tuple[str, ...]
    shared_by: int


def _article(phrase: str) -> str:
    first = phrase.split()[0]
    vowel = first[:1].lower() in "aeio" or (first.isupper() and first[:1] in "AEFHILMNORSX")
    return ("An " if vowel else "A ") + phrase


def _capital(phrase: str) -> str:
    """The first letter in capitals, the rest as written (an acronym stays one)."""
    return phrase[:1].upper() + phrase[1:]


def _words(role: str) -> str:
    """A role nobody declared, named by its id: ``community_health_worker`` -> ``community health worker``."""
    return " ".join(role.replace("_", " ").split())


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _profile(transcript: Transcript, person: Person | None, role: str) -> Profile:
    attributes = dict(transcript.meta.attributes)
    if person is not None:
        attributes.update(person.attributes)
    return Profile(role=role, attributes=attributes)


def profile_of(transcript: Transcript, role: str, *, name: str | None = None) -> Profile:
    """A participant's profile from their role and their transcript's metadata; with ``name``, the attributes
    the metadata gives that participant too."""
    person = None
    if name:
        person = next((p for p in transcript.meta.participants if _key(p.name) == _key(name)), None)
    return _profile(transcript, person, role)


class Attributor:
    """Attributions that fit at least ``attribution.minimum_shared`` of the given participants.

    Parameters
    ----------
    transcripts : iterable of Transcript
        The transcripts in scope (a brief's): their participants are the people an attribution must not single
        out. A person is one name at one site, however many transcripts they speak in.
    declaration : Declaration, optional
        The project's words (:func:`pleval.inputs.declaration.project_declaration`); without it, the generic
        ones (the role's id in words, "A participant").
    """

    def __init__(self, transcripts: Iterable[Transcript], *, declaration: Declaration = DEFAULT_DECLARATION):
        self.declaration = declaration
        order = declaration.attribution
        self.minimum_shared = order.minimum_shared
        self._attributes = self._declared(order.attributes)
        self._signature = self._declared(order.signature)
        self._people = declaration.words.people.singular
        people: dict[tuple[str, str], Profile] = {}
        for transcript in transcripts:
            site = _key(transcript.meta.site or "")
            for participant in transcript.meta.participants:
                people.setdefault((_key(participant.name), site), _profile(transcript, participant, participant.role))
        self.profiles = list(people.values())
        self._steps = self._generalising(self._attributes)
        self._sign_steps = self._generalising(self._signature)
        self._counts = {dropped: Counter(self.describe(p, dropped) for p in self.profiles) for dropped in self._steps}
        self._sign_counts = {dropped: Counter(self.signature(p, dropped) for p in self.profiles)
                             for dropped in self._sign_steps}

    def within(self, transcripts: Iterable[Transcript]) -> Attributor:
        """An attributor in the same words for another scope (a brief's transcripts)."""
        return Attributor(transcripts, declaration=self.declaration)

    def _declared(self, names: Iterable[str]) -> tuple[Attribute, ...]:
        found = (self.declaration.attribute(name) for name in names)
        return tuple(a for a in found if a is not None)

    @staticmethod
    def _generalising(attributes: tuple[Attribute, ...]) -> list[tuple[str, ...]]:
        """The steps of generalisation, each naming what it drops: the attributes one by one, the role, its group."""
        names = tuple(a.name for a in attributes)
        return [names[:n] for n in range(len(names) + 1)] + [names + (ROLE,), names + (ROLE, GROUP)]

    def _role(self, profile: Profile) -> Role | None:
        return self.declaration.role(profile.role)

    def _broad(self, profile: Profile, dropped: tuple[str, ...]) -> str | None:
        """The group's noun (or the people noun) once the role is dropped; None while it is kept."""
        if GROUP in dropped:
            return self._people
        if ROLE in dropped:
            role = self._role(profile)
            group = self.declaration.group(role.group) if role is not None else None
            return group.noun if group is not None else self._people
        return None

    def _worded(self, profile: Profile, attributes: tuple[Attribute, ...], dropped: tuple[str, ...]
                ) -> list[tuple[Attribute, str]]:
        """The kept attributes that describe the person, with their values' words."""
        role = self._role(profile)
        without = role.without if role is not None else ()
        kept = []
        for attribute in attributes:
            value = profile.value(attribute.name)
            if attribute.name in dropped or attribute.name in without or value is None:
                continue
            worded = attribute.worded(value)
            if worded:
                kept.append((attribute, worded))
        return kept

    def describe(self, profile: Profile, dropped: tuple[str, ...] = ()) -> str:
        """The attribution of ``profile`` with the attributes (or ``"role"``, ``"broad role"``) in ``dropped``
        left out."""
        broad = self._broad(profile, dropped)
        if broad is not None:
            return _article(broad)
        role = self._role(profile)
        noun = role.singular if role is not None else _words(profile.role)
        worded = self._worded(profile, self._attributes, dropped)
        before = [attribute.phrase.format(words) for attribute, words in worded if attribute.before]
        after = [attribute.phrase.format(words) for attribute, words in worded if not attribute.before]
        return _article(" ".join([*before, noun])) + "".join(" " + phrase for phrase in after)

    def signature(self, profile: Profile, dropped: tuple[str, ...] = ()) -> str:
        """A pull quote's signature of ``profile`` (the role's title and the signature attributes) with the parts
        in ``dropped`` left out."""
        broad = self._broad(profile, dropped)
        if broad is not None:
            return _capital(broad)
        role = self._role(profile)
        title = role.signature if role is not None else _capital(_words(profile.role))
        return ", ".join([title, *(words for _, words in self._worded(profile, self._signature, dropped))])

    def attribute(self, profile: Profile) -> Attribution:
        """The most specific attribution that enough participants in scope share."""
        return self._first_shared(profile, self._steps, self._counts, self.describe)

    def sign(self, profile: Profile) -> Attribution:
        """A pull quote's signature, generalised like :meth:`attribute`."""
        return self._first_shared(profile, self._sign_steps, self._sign_counts, self.signature)

    def _first_shared(self, profile: Profile, steps: list[tuple[str, ...]],
                      counts: dict[tuple[str, ...], Counter[str]],
                      words: Callable[[Profile, tuple[str, ...]], str]) -> Attribution:
        for dropped in steps:
            text = words(profile, dropped)
            if counts[dropped][text] >= self.minimum_shared:
                return Attribution(text, dropped, counts[dropped][text])
        return Attribution(text, steps[-1], counts[steps[-1]][text])  # the people noun, however few are in scope
