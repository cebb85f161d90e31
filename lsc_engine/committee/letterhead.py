"""The letterhead of the Panel's letters: who writes, to whom, who signs, whom to contact, who gets a copy.

It is data, not code: a TOML file shipped inside the package (``data/letterhead.toml``), which an operator
replaces with their own by pointing ``LSC_LETTERHEAD`` at it. A file that is not usable is refused with an
error naming the file and each field at fault.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lsc_engine.committee.inputs import Name
from lsc_engine.errors import InvalidLetterhead, Problem

#: The letterhead shipped with lsc-engine.
DEFAULT_LETTERHEAD = Path(__file__).resolve().parent / "data" / "letterhead.toml"

#: One printable line of the letterhead, trimmed, 1 to 200 characters.
Entry = Name


class Part(BaseModel):
    """Base of the letterhead's parts: frozen, every field required, no field it does not know."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Addressee(Part):
    """Who the letter goes to on the Secretary of State's behalf."""

    name: Entry
    address: list[Entry] = Field(min_length=1, max_length=10)
    salutation: Entry


class Chair(Part):
    """Who signs the letter."""

    name: Entry
    title: Entry


class Contact(Part):
    """Whom a reader may contact about the letter besides the Chair."""

    secretariat: Entry
    telephone: Entry
    email: Entry


class Copies(Part):
    """Who receives a copy of the letter, and of its confidential appendix."""

    to: list[Entry] = Field(max_length=30)
    appendix_to: list[Entry] = Field(max_length=30)


class Letterhead(Part):
    """Everything a letter says that is not about the decision."""

    panel: Entry
    addressee: Addressee
    chair: Chair
    contact: Contact
    copies: Copies


def load_letterhead(path: Path | None = None) -> Letterhead:
    """Read a letterhead file (the one shipped by default), or refuse it naming each field at fault."""
    source = path or DEFAULT_LETTERHEAD
    try:
        document = tomllib.loads(source.read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidLetterhead(
            f"cannot read the letterhead file {source}: {error.strerror or error}", details={"file": str(source)}
        ) from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InvalidLetterhead(
            f"the letterhead file {source} is not valid TOML: {error}", details={"file": str(source)}
        ) from error
    try:
        return Letterhead.model_validate(document)
    except ValidationError as error:
        problems = [
            Problem(".".join(str(part) for part in detail["loc"]), detail["msg"])
            for detail in error.errors(include_url=False, include_input=False)
        ]
        named = "; ".join(f"{problem.path}: {problem.message}" for problem in problems)
        raise InvalidLetterhead(
            f"the letterhead file {source} is not usable: {named}",
            problems=problems,
            details={"file": str(source), "field": problems[0].path},
        ) from error
