"""How a code's or group's description is written into a REFI-QDA ``<Description>``, and read back.

REFI-QDA gives a code one free-text description. pleval's codes have a definition, when-to-use and
when-not-to-use text and examples, and an id that analyses and coding logs refer to. They are written as
plain, readable sections, so that a person in NVivo or ATLAS.ti sees a normal description::

    Money as a condition for personalized learning ...

    When to use: The speaker talks about having, lacking ... money for the work.

    When not to use: Not for time as a scarce resource ...

    Examples:
    - Once the grant runs out, I don't know who's paying for subs.

    Code id: funding

and pleval reads them back into the same fields. A description written by another tool has none of the
headings, so all of it becomes the definition.
"""

from __future__ import annotations

import re

CODEBOOK_NOTE = "pleval codebook (data/codebook.yaml)"  # the project note that carries the codebook file
HEADINGS = {
    "when to use": "when_to_use",
    "when not to use": "when_not_to_use",
    "examples": "examples",
    "code id": "id",
    "group id": "group_id",
    "group": "group",
}
_HEADING = re.compile(r"^(When to use|When not to use|Examples|Code id|Group id|Group):[ \t]*(.*)$", re.M)


def code_description(code, group_implied: str | None) -> str:
    """The REFI ``Description`` of a pleval code.

    Parameters
    ----------
    code : pleval.schema.Code
    group_implied : str or None
        The group the code's place in the exported hierarchy implies; the code's own group is written only
        when it differs.
    """
    parts = [code.definition.strip()]
    if code.when_to_use.strip():
        parts.append(f"When to use: {code.when_to_use.strip()}")
    if code.when_not_to_use.strip():
        parts.append(f"When not to use: {code.when_not_to_use.strip()}")
    if code.examples:
        items = ["- " + example.strip().replace("\n", "\n  ") for example in code.examples]
        parts.append("Examples:\n" + "\n".join(items))
    ending = f"Code id: {code.id}"
    if code.group != group_implied:
        ending += f"\nGroup: {code.group}"
    parts.append(ending)
    return "\n\n".join(parts)


def group_description(group) -> str:
    """The REFI ``Description`` of a pleval code group (exported as a code that cannot be coded)."""
    parts = [group.description.strip()] if group.description.strip() else []
    parts.append(f"Group id: {group.id}")
    return "\n\n".join(parts)


def parse_description(text: str | None) -> dict:
    """The fields in a REFI ``Description``: definition, when_to_use, when_not_to_use, examples, id, group,
    group_id; only those present are returned. Text before the first heading is the definition."""
    if not text or not text.strip():
        return {}
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    found = list(_HEADING.finditer(text))
    fields: dict = {}
    definition = text[: found[0].start()] if found else text
    if definition.strip():
        fields["definition"] = definition.strip()
    for number, match in enumerate(found):
        end = found[number + 1].start() if number + 1 < len(found) else len(text)
        body = (match.group(2) + text[match.end() : end]).strip()
        key = HEADINGS[match.group(1).lower()]
        if key == "examples":
            fields[key] = _examples(text[match.end() : end])
        elif body:
            fields[key] = body.split()[0] if key in ("id", "group", "group_id") else body
    return fields


def _examples(block: str) -> list[str]:
    examples: list[str] = []
    for line in block.split("\n"):
        if line.startswith("- "):
            examples.append(line[2:])
        elif line.startswith("  ") and examples:
            examples[-1] += "\n" + line[2:]
        elif line.strip():
            examples.append(line.strip())
    return [example.strip() for example in examples if example.strip()]
