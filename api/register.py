"""What the register's API route and its page share: reading the filters from the query, and the files.

The filters are query parameters, each empty or absent meaning "any" (a form's "any" choice sends an empty
value). A value that is not one the register knows is refused with 422, naming the parameter and the values
it takes, in the same shape as any other invalid parameter.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict

from api.deps import ServiceDep
from lsc_engine.committee.conditions import Status
from lsc_engine.committee.register import Filters, Register
from lsc_engine.committee.register_files import MEDIA, RegisterFormat, render
from lsc_engine.core.evidence import ConditionKind, Group

#: How the "open only" filter may be said, and what each way means.
YES_NO = {"": False, "false": False, "no": False, "0": False, "true": True, "yes": True, "1": True, "on": True}


def _listed(values: list[str], joined: str = "or") -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + f" {joined} {values[-1]}"


def _refuse(name: str, value: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"type": "value_error", "loc": ("query", name), "msg": message, "input": value}])


def register_filters(
    service: ServiceDep,
    capability: Annotated[str, Query(max_length=120, description="A capability with evidence")] = "",
    owner: Annotated[str, Query(max_length=10, description="TAG, OPSG or SSC")] = "",
    kind: Annotated[str, Query(max_length=40, description="A kind of condition, e.g. prerequisite_go_live")] = "",
    status: Annotated[str, Query(max_length=20, description="open, satisfied, waived or breached")] = "",
    open: Annotated[str, Query(max_length=5, description="true: only conditions still to be met")] = "",
) -> Filters:
    """Read the register's filters from the query, refusing any value the register does not know."""
    if capability and capability not in (known := service.capabilities()):
        shown = _listed(known[:20], "and") if known else "none yet"
        raise _refuse("capability", capability, f"no capability called {capability!r} has evidence; known: {shown}")
    choices: dict[str, tuple[str, str, list[str]]] = {
        "owner": (owner, "a group", [group.value for group in Group]),
        "kind": (kind, "a kind of condition", [k.value for k in ConditionKind]),
        "status": (status, "a status", [s.value for s in Status]),
    }
    for name, (value, noun, allowed) in choices.items():
        if value and value not in allowed:
            raise _refuse(name, value, f"{value!r} is not {noun}; give {_listed(allowed)}")
    if open.lower() not in YES_NO:
        raise _refuse("open", open, f"{open!r} is neither yes nor no; give true or false")
    return Filters(
        capability=capability or None,
        owner=Group(owner) if owner else None,
        kind=ConditionKind(kind) if kind else None,
        status=Status(status) if status else None,
        open_only=YES_NO[open.lower()],
    )


class RegisterFile(BaseModel):
    """The register as a file: written only once it has been redacted for its reader."""

    model_config = ConfigDict(frozen=True)

    conditions: Register
    format: RegisterFormat

    def response(self) -> Response:
        """Write the file as a download named for the day it speaks for."""
        name = f"conditions-register-{self.conditions.as_on.isoformat()}.{self.format.value}"
        return Response(
            content=render(self.conditions, self.format),
            media_type=MEDIA[self.format],
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
