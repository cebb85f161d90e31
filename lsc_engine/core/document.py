"""A pack as it was received, to show to people: its JSON, and which conditions in it the engine holds confidential."""

from __future__ import annotations

from typing import Any

from pydantic import PrivateAttr, RootModel


class PackDocument(RootModel[dict[str, Any]]):
    """The stored JSON of a pack, serialised as received.

    ``confidential_conditions`` names the conditions (by key) that an evaluation of the pack holds confidential,
    so that an earlier condition the pack lists without the flag is withheld like its confidential twin: the
    stricter copy of a condition governs every copy.
    """

    _confidential_conditions: frozenset[str] = PrivateAttr(default=frozenset())

    @classmethod
    def of(cls, document: dict[str, Any], *, confidential_conditions: frozenset[str]) -> PackDocument:
        """Wrap a pack's JSON with the keys of the conditions held confidential."""
        made = cls(document)
        made._confidential_conditions = confidential_conditions
        return made

    @property
    def confidential_conditions(self) -> frozenset[str]:
        """Return the keys of the conditions an evaluation holds confidential."""
        return self._confidential_conditions
