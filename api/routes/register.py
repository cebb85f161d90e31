"""The programme-wide conditions register over HTTP: as JSON, or as a CSV or Excel file, filtered."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from api.auth import Reader
from api.deps import CommitteeDep
from api.errors import documented
from api.redacting import RedactingRoute
from api.register import RegisterFile, register_filters
from lsc_engine.committee.register import Filters, Register
from lsc_engine.committee.register_files import MEDIA, RegisterFormat

router = APIRouter(prefix="/v1", tags=["committee"], responses=documented(401, 403, 429), route_class=RedactingRoute)


@router.get(
    "/register",
    response_model=Register,
    responses={
        200: {
            "description": "The register: JSON, or the file asked for",
            "content": {media: {} for media in MEDIA.values()},
        },
        **documented(422, 503),
    },
)
def get_register(
    _caller: Reader,
    committee: CommitteeDep,
    filters: Annotated[Filters, Depends(register_filters)],
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
) -> Register | RegisterFile:
    """Every capability's conditions, numbered as its letters number them, carried-over ones threaded; filtered."""
    register = committee.register(filters)
    if format == "json":
        return register
    return RegisterFile(conditions=register, format=RegisterFormat(format))
