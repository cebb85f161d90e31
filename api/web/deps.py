"""What the pages need from the application: the services."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from lsc_engine.committee import Committee
from lsc_engine.service import Service


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _committee(request: Request) -> Committee:
    committee: Committee = request.app.state.committee
    return committee


ServiceDep = Annotated[Service, Depends(_service)]
CommitteeDep = Annotated[Committee, Depends(_committee)]
