"""What an administrator gives to create or revoke a token: the one definition, which the JSON API takes as bodies."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from lsc_engine.access.policy import Role
from lsc_engine.committee.inputs import PRINTABLE_TEXT, Input, Name


class TokenIn(Input):
    """A token to create."""

    role: Role
    name: Name = Field(description="Who holds it")


class TokenRevocationIn(Input):
    """Why a token is revoked."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), PRINTABLE_TEXT]
