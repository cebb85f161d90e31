"""Who the pack says accepted something: a group's own acceptance, told apart from DCC's or another group's."""

from __future__ import annotations

import re
from collections.abc import Iterable

from lsc_engine.core.evidence import Group

#: The names a pack may give each group, besides its initials.
_NAMES = {
    Group.TAG: ("testing advisory group",),
    Group.OPSG: ("operations group", "operations sub-group"),
    Group.SSC: ("security sub-committee", "security sub committee"),
}
#: How a pack lists several who accepted: "DCC; TAG", "DCC and TAG", "DCC, OPSG & TAG". The spaces around a
#: separator are stripped from the names after, not matched: ``\s*`` before it was tried again from every space of
#: a long run of spaces, which took half a second for a name of 4,000 characters.
SEPARATORS = re.compile(r"[;,/&+]|\band\b", re.IGNORECASE)
#: Words a pack may put before a name: "supported by OPSG".
_LEAD = re.compile(r"^(?:(?:supported|accepted|agreed) by\s+)?(?:the\s+)?", re.IGNORECASE)
#: How a pack may qualify a group's acceptance after its name: "SSC subject to its LSC 10 conditions". Any other
#: words after a group's initials name someone else ("the SSC chair's office"), whose acceptance is not the group's.
_QUALIFIER = re.compile(r"(?:\s+(?:subject to|with|on condition)\b.*|\s*\(.*)?", re.IGNORECASE | re.DOTALL)


def acceptors(text: str) -> list[str]:
    """Split who accepted into each name as the pack gives it: "DCC; supported by OPSG and TAG" has three."""
    return [name for part in SEPARATORS.split(text) if (name := part.strip())]


#: Every name of each group, casefolded: its initials first.
_ALIASES = {group: (group.value.casefold(), *names) for group, names in _NAMES.items()}


def names_group(name: str, group: Group) -> bool:
    """Whether one name, perhaps qualified ("SSC subject to its LSC 10 conditions"), is the group's."""
    aliases = _ALIASES[group]
    lowered = name.casefold()
    if not any(alias in lowered for alias in aliases):  # most names are not the group's, and a pack may hold many
        return False
    rest = _LEAD.sub("", name.strip()).casefold()
    return any(rest.startswith(alias) and _QUALIFIER.fullmatch(rest[len(alias) :]) is not None for alias in aliases)


def terms(name: str, group: Group) -> str | None:
    """Return the terms one name of the group's qualifies its acceptance with ("subject to its LSC 10 conditions")."""
    rest = _LEAD.sub("", name.strip())
    for alias in (group.value, *_NAMES[group]):
        tail = rest[len(alias) :]
        if rest.casefold().startswith(alias.casefold()) and _QUALIFIER.fullmatch(tail.casefold()) is not None:
            return tail.strip().removeprefix("(").removesuffix(")").strip() or None
    return None


def accepted_by(text: str, group: Group) -> bool:
    """Whether the group is among those the pack says accepted; DCC's or another group's acceptance is not its."""
    return any(names_group(name, group) for name in acceptors(text))


def joined(names: Iterable[str]) -> str:
    """Join names in prose, each once: "DCC", "DCC and OPSG", "DCC, OPSG and TAG"."""
    unique = list(dict.fromkeys(names))
    return unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " and " + unique[-1]
