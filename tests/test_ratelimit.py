"""Per-token rate limits: counted in the database, so that they hold across replicas, and once per request."""

from __future__ import annotations

import pytest

from api.app import REFUSED_TOO_OFTEN
from lsc_engine.access.policy import Role
from lsc_engine.errors import RateLimited
from lsc_engine.services.ratelimit import RateLimiter
from lsc_engine.settings import Settings
from lsc_engine.store.db import make_engine

from .auth import ActingClient, bearer

pytestmark = pytest.mark.api

MINUTE = 29_000_000 * 60.0  # a fixed instant, 30 s before a minute ends


def _granted(limiter: RateLimiter, token: str, attempts: int) -> int:
    granted = 0
    for _ in range(attempts):
        try:
            limiter.check(token)
            granted += 1
        except RateLimited:
            pass
    return granted


def test_two_replicas_share_one_limit(settings: Settings) -> None:
    database = make_engine(settings)
    try:
        now = [MINUTE + 30]
        first = RateLimiter(database, 100, lease=1, clock=lambda: now[0])
        second = RateLimiter(database, 100, lease=1, clock=lambda: now[0])
        assert _granted(first, "t1", 60) + _granted(second, "t1", 60) == 100
        assert _granted(first, "t2", 5) == 5  # another token has its own count
        with pytest.raises(RateLimited) as refused:
            second.check("t1")
        assert refused.value.details == {"limit_per_minute": 100, "retry_after_seconds": 30}
        now[0] += 60  # the next minute starts afresh
        assert _granted(second, "t1", 10) == 10
    finally:
        database.dispose()


def test_leases_bound_the_overshoot(settings: Settings) -> None:
    database = make_engine(settings)
    try:
        replicas = [RateLimiter(database, 100, lease=10, clock=lambda: MINUTE) for _ in range(3)]
        granted = sum(_granted(replica, "t", 50) for replica in replicas)
        # each replica spends whole leases; the shared count never grants more than the limit
        assert granted == 100
    finally:
        database.dispose()


def test_leases_taken_at_once_by_one_replica_are_all_spent(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    database = make_engine(settings)
    try:
        limiter = RateLimiter(database, 100, lease=10, clock=lambda: MINUTE)
        claim = limiter._claim
        raced: list[int] = []

        def racing(token_id: str, minute: int) -> int:
            if not raced:  # another request of the token finds no lease left and takes one meanwhile
                raced.append(0)
                raced[0] = _granted(limiter, token_id, 1)
            return claim(token_id, minute)

        monkeypatch.setattr(limiter, "_claim", racing)
        granted = _granted(limiter, "t", 150)
        # both leases are spent: neither request's lease replaces what is left of the other's
        assert (raced, granted + raced[0]) == ([1], 100)
    finally:
        database.dispose()


def test_an_exhausted_token_gets_429_with_retry_after(client: ActingClient) -> None:
    state = client.app.state  # type: ignore[attr-defined]
    state.limiter = RateLimiter(state.service.database, 3, lease=1, clock=lambda: MINUTE + 45)
    observer = bearer(client.tokens[Role.OBSERVER])
    assert [client.get("/v1/criteria", headers=observer).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/v1/criteria", headers=observer)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "15"
    assert refused.json()["code"] == "rate_limited"
    assert client.get("/v1/criteria", headers=bearer(client.tokens[Role.TAG])).status_code == 200


def test_refused_requests_are_limited_by_client_address(client: ActingClient) -> None:
    state = client.app.state  # type: ignore[attr-defined]
    state.refusals = RateLimiter(
        state.service.database, 5, lease=1, clock=lambda: MINUTE + 50, refusal=REFUSED_TOO_OFTEN
    )
    wrong = bearer("lsc_" + "x" * 43)
    answers = [client.get("/v1/criteria", headers=wrong) for _ in range(7)]
    assert [a.status_code for a in answers] == [401] * 5 + [429] * 2
    assert answers[-1].json()["message"] == (
        "too many refused requests from this address: 5 a minute at most; retry in 10 s"
    )
    assert answers[-1].headers["Retry-After"] == "10"
    # a caller with a good token from the same address is not held back by someone else's guesses
    assert client.get("/v1/criteria", headers=bearer(client.tokens[Role.OBSERVER])).status_code == 200


def test_a_request_whose_dependencies_each_ask_for_the_caller_is_counted_once(client: ActingClient) -> None:
    state = client.app.state  # type: ignore[attr-defined]
    state.limiter = RateLimiter(state.service.database, 3, lease=1, clock=lambda: MINUTE + 45)
    observer = bearer(client.tokens[Role.OBSERVER])
    # The history page asks for a reader and for the caller's redactor: two dependencies, one caller.
    answers = [client.get("/submissions/none-such/history", headers=observer) for _ in range(4)]
    assert [a.status_code for a in answers] == [404, 404, 404, 429]
