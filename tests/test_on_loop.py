"""Small self-checks on the event loop: one at a time in their order, never ahead of another kind of request."""

from __future__ import annotations

import asyncio
import threading
from datetime import date
from typing import Any, cast

import pytest

from api.on_loop import ON_LOOP_BYTES, SELF_CHECK, OnLoop, RequestsInFlight
from lsc_engine.services.submissions import Service
from lsc_engine.services.turns import Turns

from .auth import ActingClient
from .conftest import FIXTURES


class FakeService:
    """Stands in for the service: notes each self-check evaluated at once, and on which thread."""

    def __init__(self, turns: Turns | None = None) -> None:
        self.turns = turns or Turns(1)
        self.evaluated: list[bytes] = []
        self.threads: list[threading.Thread] = []

    def self_check_now(self, body: bytes, *, as_at: date | None = None) -> Any:
        """Evaluate at once if a turn is free (here: note the body and give it back)."""
        with self.turns.turn_now() as taken:
            if not taken:
                return None
            self.evaluated.append(body)
            self.threads.append(threading.current_thread())
            return body


def check(on_loop: OnLoop, service: FakeService, body: bytes) -> Any:
    """Ask for a self-check on the loop."""
    return on_loop.self_check(cast(Service, service), body, None)


def test_a_lone_self_check_is_evaluated_on_the_loop_itself() -> None:
    async def run() -> Any:
        return await check(OnLoop(), service, b"pack")

    service = FakeService()
    assert asyncio.run(run()) == b"pack"
    assert service.threads == [threading.current_thread()], "evaluated on the loop's own thread"


def test_self_checks_begun_together_are_evaluated_one_at_a_time_in_the_order_they_came() -> None:
    async def run() -> list[Any]:
        on_loop = OnLoop()
        return await asyncio.gather(*(check(on_loop, service, f"pack {n}".encode()) for n in range(6)))

    service = FakeService()
    results = asyncio.run(run())
    assert results == [f"pack {n}".encode() for n in range(6)]
    assert service.evaluated == results


def test_a_request_of_another_kind_begun_with_them_sends_every_waiting_self_check_to_the_thread_pool() -> None:
    async def other_request(on_loop: OnLoop) -> None:
        on_loop.requests += 1  # begun as ``RequestsInFlight`` counts it, after the self-checks were read
        await asyncio.sleep(0.01)
        on_loop.requests -= 1

    async def run() -> list[Any]:
        on_loop = OnLoop()
        checks = [check(on_loop, service, f"pack {n}".encode()) for n in range(3)]
        *results, _ = await asyncio.gather(*checks, other_request(on_loop))
        return results

    service = FakeService()
    assert asyncio.run(run()) == [None, None, None], "each goes to a thread, where a submission goes first"
    assert service.evaluated == []


def test_a_request_that_begins_while_one_self_check_is_evaluated_stops_the_rest_from_following_it() -> None:
    on_loop = OnLoop()
    calls: list[str] = []

    class Beginning(FakeService):
        def self_check_now(self, body: bytes, *, as_at: date | None = None) -> Any:
            if not calls:  # a request of another kind is read while the first self-check is evaluated
                asyncio.get_running_loop().call_soon(begin_other)
            calls.append(body.decode())
            return super().self_check_now(body, as_at=as_at)

    def begin_other() -> None:
        on_loop.requests += 1

    async def run() -> list[Any]:
        return await asyncio.gather(*(check(on_loop, service, f"pack {n}".encode()) for n in range(4)))

    service = Beginning()
    assert asyncio.run(run()) == [b"pack 0", None, None, None]
    assert calls == ["pack 0"], "the others never started on the loop once it had begun"


def test_a_self_check_goes_to_a_thread_while_a_thread_holds_the_turn() -> None:
    service = FakeService()

    async def run() -> Any:
        return await check(OnLoop(), service, b"pack")

    with service.turns.turn(submission=False):
        assert asyncio.run(run()) is None
    assert service.evaluated == []


def test_a_pack_too_large_for_the_loop_goes_to_a_thread_at_once() -> None:
    service = FakeService()
    assert asyncio.run(check(OnLoop(), service, b" " * (ON_LOOP_BYTES + 1))) is None
    assert service.evaluated == []


def test_a_self_check_cancelled_while_it_waits_does_not_hold_up_those_behind_it() -> None:
    async def run() -> list[Any]:
        on_loop = OnLoop()
        tasks = [asyncio.create_task(check(on_loop, service, f"pack {n}".encode())) for n in range(3)]
        await asyncio.sleep(0)
        tasks[1].cancel()
        return await asyncio.gather(*tasks, return_exceptions=True)

    service = FakeService()
    first, second, third = asyncio.run(run())
    assert (first, third) == (b"pack 0", b"pack 2")
    assert isinstance(second, asyncio.CancelledError)
    assert service.evaluated == [b"pack 0", b"pack 2"]


def test_a_self_check_cancelled_as_its_chance_came_passes_the_chance_on() -> None:
    tasks: list[asyncio.Task[Any]] = []

    class Cancelling(OnLoop):
        def _next(self) -> None:
            super()._next()
            if len(tasks) == 2 and not tasks[0].done():
                tasks[0].cancel()  # its chance has just been given: it is cancelled before it can use it

    async def run() -> list[Any]:
        on_loop = Cancelling()
        tasks.extend(asyncio.create_task(check(on_loop, service, body)) for body in (b"first", b"second"))
        return await asyncio.gather(*tasks, return_exceptions=True)

    service = FakeService()
    first, second = asyncio.run(run())
    assert isinstance(first, asyncio.CancelledError)
    assert second == b"second"
    assert service.evaluated == [b"second"]


def test_turn_now_is_taken_only_when_free_and_no_one_waits_or_stores() -> None:
    turns = Turns(1)
    with turns.turn_now() as taken:
        assert taken
        with turns.turn_now() as again:
            assert not again, "the one turn is held"
    with turns.storing(), turns.turn_now() as taken:
        assert not taken, "a submission is being stored"
    with turns.turn_now() as taken:
        assert taken, "the turn was given back"
    with Turns(None).turn_now() as taken:
        assert taken


def test_turn_now_is_refused_while_a_thread_waits_for_a_turn() -> None:
    turns = Turns(1)
    order: list[str] = []

    def wait_for_a_turn() -> None:
        with turns.turn(submission=True):
            order.append("submission")

    with turns.turn(submission=False):
        waiter = threading.Thread(target=wait_for_a_turn)
        waiter.start()
        while turns.waiting() < 1:
            threading.Event().wait(0.005)
        with turns.turn_now() as taken:
            assert not taken, "a thread waits for the turn"
    waiter.join()
    assert order == ["submission"]


@pytest.mark.parametrize(("method", "path", "self_checks"), [(*SELF_CHECK, 1), ("POST", "/v1/submissions", 0)])
def test_requests_in_flight_are_counted_from_their_beginning_to_their_end(
    method: str, path: str, self_checks: int
) -> None:
    on_loop = OnLoop()
    seen: list[tuple[int, int]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append((on_loop.requests, on_loop.self_checks))
        raise RuntimeError("the request fails")

    counted = RequestsInFlight(app, on_loop)
    with pytest.raises(RuntimeError):
        asyncio.run(counted({"type": "http", "method": method, "path": path}, cast(Any, None), cast(Any, None)))
    assert seen == [(1, self_checks)]
    assert (on_loop.requests, on_loop.self_checks, on_loop.others()) == (0, 0, 0), "uncounted at its end, failed or not"


def test_the_service_evaluates_a_lone_small_self_check_on_its_loop_and_a_large_one_in_a_thread(
    client: ActingClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_the_loop: list[bool] = []
    checked = Service._checked

    def noted(self: Service, body: bytes, as_at: date | None) -> Any:
        try:
            asyncio.get_running_loop()
            on_the_loop.append(True)
        except RuntimeError:  # a thread of the pool runs no loop
            on_the_loop.append(False)
        return checked(self, body, as_at)

    monkeypatch.setattr(Service, "_checked", noted)
    small = (FIXTURES / "seed-moc-mds-2020-03.json").read_bytes()
    large = small.rstrip()[:-1] + b" " * ON_LOOP_BYTES + b"}"  # the same pack, padded past the bound
    answers = [client.post("/v1/self-check", content=pack) for pack in (small, large)]

    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    assert on_the_loop == [True, False]
