"""Reading one cell as the value its column holds, or saying why it cannot be read."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from lsc_engine.spreadsheets.layout import Column, Kind

#: A value as JSON holds it: what the pack's validation reads.
JsonValue = str | int | float | bool | list[str] | None

_WHOLE = re.compile(r"[+-]?\d+(\.0*)?")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_IDENTIFIER_SEPARATORS = re.compile(r"[\s,;]+")
_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})


class CellError(ValueError):
    """A cell whose value does not fit its column; the message says why."""


@dataclass(frozen=True)
class Reading:
    """How text in cells is read beyond the template's own forms (a mapping's date formats and time zone)."""

    #: ``strptime`` formats tried, in order, for dates and times written as text.
    formats: Sequence[str] = ()
    #: The zone of times written without an offset; UTC when not given.
    zone: tzinfo | None = None


PLAIN = Reading()


@dataclass(frozen=True)
class Uncalculated:
    """A formula cell saved without the value it shows: a program wrote it, and nothing has calculated it."""

    formula: str


def read_cell(value: object, column: Column, reading: Reading = PLAIN) -> JsonValue:
    """Read a cell as its column's JSON value: None for an empty cell."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, Uncalculated):
        raise CellError(
            f"the formula {_shown(value.formula)} has no value saved with it, and formulas are never calculated "
            "here: type the value, or open the workbook in a spreadsheet program and save it"
        )
    if column.many:
        return _many(value, column, reading)
    return _one(value, column, reading)


def _many(value: object, column: Column, reading: Reading) -> list[str]:
    if not isinstance(value, str):
        return [str(_one(value, column, reading))]
    parts = _IDENTIFIER_SEPARATORS.split(value) if column.identifiers else value.splitlines()
    return [part.strip() for part in parts if part.strip()]


def _one(value: object, column: Column, reading: Reading) -> JsonValue:
    kind = column.kind
    if kind is Kind.TEXT:
        return unquoted(_text(value, column))
    if kind is Kind.CHOICE:
        return _choice(value, column)
    if kind is Kind.BOOLEAN:
        return _boolean(value)
    if kind is Kind.INTEGER:
        return _integer(value)
    if kind is Kind.NUMBER:
        return _number(value)
    if kind is Kind.DATE:
        return _date(value, reading)
    return _timestamp(value, reading)


#: What starts a text that would otherwise read as an empty cell: ``""`` alone is the empty text.
BLANK_TEXT_MARK = '""'


def blank_looking(text: str) -> bool:
    """Say whether a text is made only of spaces and quotes, so that a cell holding it needs the blank mark."""
    return not text.replace('"', "").strip()


def quoted(text: str) -> str:
    """Write a text as a cell holds it: one that looks blank (empty, spaces) after the blank mark."""
    return BLANK_TEXT_MARK + text if blank_looking(text) else text


def unquoted(text: str) -> str:
    """Read a text written by ``quoted``: ``""`` is the empty text, ``""`` and spaces those spaces."""
    if text.startswith(BLANK_TEXT_MARK) and blank_looking(text):
        return text[len(BLANK_TEXT_MARK) :]
    return text


def _text(value: object, column: Column) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):  # a spreadsheet that turned typed text into a date
        if column.month:
            return value.strftime("%Y-%m")
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.strftime("%Y-%m") if column.month else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _choice(value: object, column: Column) -> str:
    text = _text(value, column).strip()
    for choice in column.choices:
        if text.casefold() == choice.casefold():
            return choice
    raise CellError(f"{text!r} is not one of: {', '.join(column.choices)}")


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().casefold()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise CellError(f"{_shown(value)} is not TRUE or FALSE")


def _integer(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        return int(value.strip().split(".")[0])
    raise CellError(f"{_shown(value)} is not a whole number")


def _number(value: object) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    if isinstance(value, str):
        text = value.strip().removesuffix("%").strip()
        if _NUMBER.fullmatch(text):
            return float(text)
    raise CellError(f"{_shown(value)} is not a number")


def _date(value: object, reading: Reading) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        parsed = _parsed(text, reading)
        if parsed is not None:
            return parsed.date().isoformat()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}([Tt ].*)?", text):
            return text[:10]
    raise CellError(f"{_shown(value)} is not a date: write it as YYYY-MM-DD{_formats(reading)}")


def _timestamp(value: object, reading: Reading) -> str:
    if isinstance(value, datetime):
        return _zoned(value, reading).isoformat()
    if isinstance(value, date):
        return _zoned(datetime.combine(value, time()), reading).isoformat()
    if isinstance(value, str):
        text = value.strip()
        parsed = _parsed(text, reading)
        if parsed is None:
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                parsed = None
        if parsed is not None:
            return _zoned(parsed, reading).isoformat()
    raise CellError(f"{_shown(value)} is not a date and time: write it as YYYY-MM-DD HH:MM{_formats(reading)}")


def _zoned(moment: datetime, reading: Reading) -> datetime:
    """Place a time written without an offset in the reading's zone (the model reads one without as UTC)."""
    if moment.tzinfo is None and reading.zone is not None:
        return moment.replace(tzinfo=reading.zone)
    return moment


def _parsed(text: str, reading: Reading) -> datetime | None:
    for form in reading.formats:
        try:
            return datetime.strptime(text, form)
        except ValueError:
            continue
    return None


def _formats(reading: Reading) -> str:
    return f" or as {' or '.join(reading.formats)}" if reading.formats else ""


def _shown(value: object) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."
