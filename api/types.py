"""Field types for request parameters and bodies that accept exactly what the OpenAPI document promises."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import BeforeValidator

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def calendar_date(value: object) -> object:
    """Accept a YYYY-MM-DD string (or a date), not the numbers and timestamps lax parsing turns into dates."""
    if value is None or isinstance(value, date):
        return value
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return value
    raise ValueError("must be a date as YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(calendar_date)]


def form_date(text: str | None) -> date | None:
    """Read an optional date typed into a form: blank is none; anything but a real YYYY-MM-DD is a ValueError."""
    text = (text or "").strip()
    if not text:
        return None
    if not ISO_DATE.fullmatch(text):
        raise ValueError(text)
    return date.fromisoformat(text)
