"""Field types for request parameters and bodies that accept exactly what the OpenAPI document promises."""

from __future__ import annotations

from datetime import date

from lsc_engine.committee.inputs import ISO_DATE, IsoDate

__all__ = ["IsoDate", "form_date"]


def form_date(text: str | None) -> date | None:
    """Read an optional date typed into a form: blank is none; anything but a real YYYY-MM-DD is a ValueError."""
    text = (text or "").strip()
    if not text:
        return None
    if not ISO_DATE.fullmatch(text):
        raise ValueError(text)
    return date.fromisoformat(text)
