"""Text people write: printable characters only, so that no name or note can hide, reorder or break what it is shown in.

NUL and the other control characters are refused (PostgreSQL cannot store NUL, and a terminal obeys escape
sequences), and so are the invisible characters that change the direction text is displayed in, with which
a name can be made to read as another. Line breaks and tabs are allowed in notes, never in names.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator

#: Characters that change the displayed direction of text (Unicode's bidirectional formatting characters).
DIRECTION_CHANGING = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

#: What a name may not hold besides: invisible format characters (zero-width joiners, byte-order marks) and the
#: line and paragraph separators, with which two names can look alike or one can break a line it is shown in.
INVISIBLE_IN_NAMES = frozenset({"Cf", "Zl", "Zp"})

#: Whitespace a note may hold; names hold none of it but the plain space.
LINE_BREAKS = frozenset("\n\r\t")

#: The same rule for notes as a pattern, checked by pydantic's own regular expressions (for packs, where a
#: validator in Python per text would cost more than the rest of validation): no control character but line
#: breaks and tabs, and no direction-changing character.
PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]*$"

#: What a person is told when a text breaks the rule.
NOT_PRINTABLE = "must be printable text: control characters and direction-changing characters are not accepted"

#: Identifiers that appear in web addresses (capabilities): letters, digits, dots, underscores and hyphens.
ADDRESSABLE = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"

#: What a person is told when such an identifier breaks the rule.
NOT_ADDRESSABLE = "must be letters, digits, '.', '_' and '-', starting with a letter or digit (it is used in addresses)"


def unprintable(text: str, *, multiline: bool = False) -> str | None:
    """Describe the first character a person could not see or that would misbehave on screen, if any."""
    for position, char in enumerate(text):
        if multiline and char in LINE_BREAKS:
            continue
        if char in DIRECTION_CHANGING:
            return f"a direction-changing character (U+{ord(char):04X}) at position {position}"
        category = unicodedata.category(char)
        if category == "Cc":
            return f"a control character (U+{ord(char):04X}) at position {position}"
        if category == "Cs":  # half of a character: no text in UTF-8 holds one
            return f"half of a character (U+{ord(char):04X}) at position {position}"
        if not multiline and category in INVISIBLE_IN_NAMES:
            return f"an invisible or line-breaking character (U+{ord(char):04X}) at position {position}"
    return None


def _single_line(value: str) -> str:
    found = unprintable(value)
    if found is not None:
        raise ValueError(f"must be printable text on one line; it holds {found}")
    return value


def _multi_line(value: str) -> str:
    found = unprintable(value, multiline=True)
    if found is not None:
        raise ValueError(f"must be printable text; it holds {found}")
    return value


#: A name, an identifier or a short label: printable, one line.
Line = Annotated[str, AfterValidator(_single_line)]

#: A note, rationale or description: printable, line breaks and tabs allowed.
Prose = Annotated[str, AfterValidator(_multi_line)]
