"""The one place the JSON API redacts: every route's answer passes through the caller's redactor on its way out.

Routes return what the services give them, whole; the route class wraps each endpoint so that its return
value is redacted for the caller (``Redactor.view``, by the value's own types) and the confidential items it
shows are recorded as disclosed, before FastAPI serialises it. A new route is redacted the day it is added.
Only a route that answers with what its caller has just sent (a self-check, a submission's own evaluation)
is exempt, and says so with ``@answers_own_input``.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, runtime_checkable

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute

from api.auth import disclose, redacting
from lsc_engine.access.policy import Principal, Role
from lsc_engine.access.redaction import Redactor

F = TypeVar("F", bound=Callable[..., Any])

#: Whom an answer is redacted for when no one signed in: someone who may see nothing confidential.
NOBODY = Principal(token_id="nobody", name="nobody", role=Role.OBSERVER)


@runtime_checkable
class Renders(Protocol):
    """An answer that becomes a response of its own (a letter) once it has been redacted."""

    def response(self) -> Response:
        """Return the response to send."""
        ...


def answers_own_input(endpoint: F) -> F:
    """Mark a route whose answer speaks only of what the caller has just sent, so it is not redacted."""
    endpoint.__answers_own_input__ = True  # type: ignore[attr-defined]
    return endpoint


class RedactingRoute(APIRoute):
    """An API route whose answer is redacted for its caller, and its disclosures recorded, before it is sent."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _redacting(endpoint), **kwargs)


def show(request: Request, value: object) -> object:
    """Redact an answer for the request's caller and record what confidential items it shows them."""
    principal: Principal | None = getattr(request.state, "principal", None)
    redactor = redacting(request) if principal is not None else Redactor(NOBODY, request.app.state.section_owners)
    shown = redactor.view(value)
    submission_id = request.path_params.get("submission_id") or getattr(shown, "submission_id", None)
    if principal is not None:
        disclose(request, redactor, submission_id if isinstance(submission_id, str) else None)
    return shown.response() if isinstance(shown, Renders) else shown


def _redacting(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an endpoint so that what it returns is shown through ``show``; FastAPI sees its own parameters."""
    if getattr(endpoint, "__answers_own_input__", False):
        return endpoint
    hints = typing.get_type_hints(endpoint, include_extras=True)
    signature = inspect.signature(endpoint)
    parameters = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in signature.parameters.values()]
    request = inspect.Parameter("redacted_for", inspect.Parameter.KEYWORD_ONLY, annotation=Request)
    wrapped_signature = signature.replace(
        parameters=[*parameters, request], return_annotation=hints.get("return", signature.return_annotation)
    )

    answer = _async_answer(endpoint) if inspect.iscoroutinefunction(endpoint) else _answer(endpoint)
    functools.update_wrapper(answer, endpoint)
    delattr(answer, "__wrapped__")  # FastAPI must read the signature below, not the endpoint's
    answer.__signature__ = wrapped_signature  # type: ignore[attr-defined]
    return answer


def _answer(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    def answer(*args: Any, redacted_for: Request, **kwargs: Any) -> Any:
        return show(redacted_for, endpoint(*args, **kwargs))

    return answer


def _async_answer(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    async def answer(*args: Any, redacted_for: Request, **kwargs: Any) -> Any:
        value = await endpoint(*args, **kwargs)
        return await run_in_threadpool(show, redacted_for, value)

    return answer
