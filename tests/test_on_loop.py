"""The API's self-checks: one at a time in their order, small ones on the loop, never ahead of other requests."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Coroutine
from datetime import date
from typing import Any, TypeVar, cast

import pytest
import uvicorn

from api.app import create_app
from api.on_loop import ON_LOOP_BYTES, SELF_CHECK, OnLoop, RequestsInFlight
from lsc_engine.services.submissions import Service
from lsc_engine.services.turns import Turns
from lsc_engine.settings import Settings

from .auth import ActingClient
from .conftest import FIXTURES
from .live import HOST, free_port

T = TypeVar("T")


class FakeService:
    """Stands in for the service: notes each self-check it evaluates, where, and how many were in the pool at once."""

    def __init__(self) -> None:
        self.turns = Turns(1)
        self.evaluated: list[bytes] = []
        self.places: list[str] = []
        self.in_pool = 0
        self.most_in_pool = 0
        self._lock = threading.Lock()

    def self_check_now(self, body: bytes, *, as_at: date | None = None) -> Any:
        """Evaluate at once if a turn is free (here: note the body and give it back)."""
        with self.turns.turn_now() as taken:
            return self._evaluated(body, "loop") if taken else None

    def self_check(self, body: bytes, *, as_at: date | None = None) -> Any:
        """Evaluate in a thread of the pool, waiting for a turn."""
        with self._lock:
            self.in_pool += 1
            self.most_in_pool = max(self.most_in_pool, self.in_pool)
        try:
            with self.turns.turn(submission=False):
                return self._evaluated(body, "thread")
        finally:
            with self._lock:
                self.in_pool -= 1

    def _evaluated(self, body: bytes, place: str) -> bytes:
        assert _on_a_loop() == (place == "loop"), "evaluated where it says"
        self.evaluated.append(body)
        self.places.append(place)
        return body


def _on_a_loop() -> bool:
    """Tell whether this thread runs an event loop (a thread of the pool runs none)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def finish(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on a new loop, failing rather than hanging if the queue stalls."""
    return asyncio.run(asyncio.wait_for(work, 30))


def check(on_loop: OnLoop, service: FakeService, body: bytes) -> Any:
    """Ask the queue for a self-check."""
    return on_loop.self_check(cast(Service, service), body, None)


async def together(service: FakeService, bodies: list[bytes], on_loop: OnLoop | None = None) -> list[Any]:
    """Ask the queue for self-checks begun together; each result is its answer or what it raised."""
    queue = on_loop or OnLoop()
    return await asyncio.gather(*(check(queue, service, body) for body in bodies), return_exceptions=True)


def packs(count: int) -> list[bytes]:
    """Some small packs, each told apart by its number."""
    return [f"pack {number}".encode() for number in range(count)]


def test_a_lone_self_check_is_evaluated_on_the_loop_itself() -> None:
    service = FakeService()
    assert finish(check(OnLoop(), service, b"pack")) == b"pack"
    assert service.places == ["loop"]


def test_self_checks_begun_together_are_evaluated_on_the_loop_in_the_order_they_came() -> None:
    service = FakeService()
    assert finish(together(service, packs(6))) == packs(6)
    assert service.evaluated == packs(6)
    assert service.places == ["loop"] * 6


def test_while_a_request_of_another_kind_is_in_flight_self_checks_go_to_the_pool_one_at_a_time_in_order() -> None:
    async def run() -> list[Any]:
        on_loop = OnLoop()
        checks = [asyncio.create_task(check(on_loop, service, pack)) for pack in packs(4)]
        on_loop.requests += 1  # another request begins, as ``RequestsInFlight`` counts it, after they were read
        results = await asyncio.gather(*checks)
        on_loop.requests -= 1
        return results

    service = FakeService()
    assert finish(run()) == packs(4)
    assert service.places == ["thread"] * 4, "each goes to a thread"
    assert service.evaluated == packs(4)
    assert service.most_in_pool == 1, "the pool never fills with self-checks that a submission would wait behind"


def test_a_request_counted_in_the_round_after_the_turn_was_given_still_goes_first() -> None:
    class Late(OnLoop):
        def _next(self) -> None:
            super()._next()
            self.requests += 1  # begins once the turn is on its way to the first self-check

    service = FakeService()
    assert finish(check(Late(), service, b"pack")) == b"pack"
    assert service.places == ["thread"]


def test_a_self_check_that_fails_passes_the_turn_on() -> None:
    class Failing(FakeService):
        def self_check_now(self, body: bytes, *, as_at: date | None = None) -> Any:
            if body == b"bad":
                raise ValueError("not a pack")
            return super().self_check_now(body, as_at=as_at)

    service = Failing()
    failed, good = finish(together(service, [b"bad", b"good"]))
    assert isinstance(failed, ValueError)
    assert good == b"good"


def test_the_requests_in_flight_are_counted_outside_every_other_middleware_of_the_app(settings: Settings) -> None:
    first = create_app(settings).user_middleware[0]  # the outermost of the app's own
    assert cast(Any, first.cls) is RequestsInFlight


def test_a_request_that_begins_while_one_self_check_is_evaluated_sends_the_rest_to_the_pool() -> None:
    on_loop = OnLoop()

    class Beginning(FakeService):
        def self_check_now(self, body: bytes, *, as_at: date | None = None) -> Any:
            if not self.evaluated:  # a request of another kind is read while the first self-check is evaluated
                asyncio.get_running_loop().call_soon(begin_other)
            return super().self_check_now(body, as_at=as_at)

    def begin_other() -> None:
        on_loop.requests += 1

    service = Beginning()
    assert finish(together(service, packs(4), on_loop)) == packs(4)
    assert service.places == ["loop", "thread", "thread", "thread"]
    assert service.most_in_pool == 1


def test_a_self_check_refused_a_turn_at_once_waits_for_one_in_the_pool() -> None:
    class Refusing(FakeService):
        def self_check_now(self, body: bytes, *, as_at: date | None = None) -> Any:
            return None  # as when a thread evaluates, waits for a turn, or stores a submission

    service = Refusing()
    assert finish(check(OnLoop(), service, b"pack")) == b"pack"
    assert service.places == ["thread"]


def test_a_pack_too_large_for_the_loop_takes_its_turn_in_a_thread() -> None:
    service, large = FakeService(), b" " * (ON_LOOP_BYTES + 1)
    assert finish(together(service, [b"small", large, b"small again"])) == [b"small", large, b"small again"]
    assert service.places == ["loop", "thread", "loop"], "in the order they came"


def test_a_self_check_cancelled_while_its_thread_runs_lets_no_other_start_before_the_thread_ends() -> None:
    release = threading.Event()
    entered: list[bytes] = []

    class Slow(FakeService):
        def self_check_now(self, body: bytes, *, as_at: date | None = None) -> Any:
            return None  # both go to a thread

        def self_check(self, body: bytes, *, as_at: date | None = None) -> Any:
            entered.append(body)
            if body == b"first":
                release.wait(30)
            return super().self_check(body, as_at=as_at)

    async def run() -> Any:
        on_loop = OnLoop()
        first = asyncio.create_task(check(on_loop, service, b"first"))
        second = asyncio.create_task(check(on_loop, service, b"second"))
        while not entered:
            await asyncio.sleep(0.001)  # bounded by ``finish``'s time limit
        first.cancel()
        for _ in range(50):
            await asyncio.sleep(0)
        assert entered == [b"first"], "the second waits for the first one's thread to end"
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await first
        return await second

    service = Slow()
    assert finish(run()) == b"second"
    assert entered == service.evaluated == [b"first", b"second"]


def test_a_self_check_cancelled_while_it_waits_does_not_hold_up_those_behind_it() -> None:
    async def run() -> list[Any]:
        on_loop = OnLoop()
        tasks = [asyncio.create_task(check(on_loop, service, pack)) for pack in packs(3)]
        await asyncio.sleep(0)
        tasks[1].cancel()
        return await asyncio.gather(*tasks, return_exceptions=True)

    service = FakeService()
    first, second, third = finish(run())
    assert (first, third) == (b"pack 0", b"pack 2")
    assert isinstance(second, asyncio.CancelledError)
    assert service.evaluated == [b"pack 0", b"pack 2"]


def test_a_self_check_cancelled_as_its_turn_came_passes_the_turn_on() -> None:
    tasks: list[asyncio.Task[Any]] = []

    class Cancelling(OnLoop):
        def _next(self) -> None:
            super()._next()
            if len(tasks) == 2 and not tasks[0].done():
                tasks[0].cancel()  # its turn has just been given: it is cancelled before it can take it

    async def run() -> list[Any]:
        on_loop = Cancelling()
        tasks.extend(asyncio.create_task(check(on_loop, service, body)) for body in (b"first", b"second"))
        return await asyncio.gather(*tasks, return_exceptions=True)

    service = FakeService()
    first, second = finish(run())
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
        deadline = time.monotonic() + 30
        while turns.waiting() < 1:
            assert time.monotonic() < deadline, "the thread never came to wait"
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
        on_the_loop.append(_on_a_loop())
        return checked(self, body, as_at)

    monkeypatch.setattr(Service, "_checked", noted)
    small = (FIXTURES / "seed-moc-mds-2020-03.json").read_bytes()
    large = small.rstrip()[:-1] + b" " * ON_LOOP_BYTES + b"}"  # the same pack, padded past the bound
    answers = [client.post("/v1/self-check", content=pack) for pack in (small, large)]

    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    assert on_the_loop == [True, False]


class Probe(FakeService):
    """Sends a request of another kind from inside the first evaluation on the loop, as a client would meanwhile."""

    def __init__(self, send_other: Any) -> None:
        super().__init__()
        self.send_other = send_other
        self.events: list[str] = []

    def self_check_now(self, body: bytes, *, as_at: date | None = None) -> Any:
        """Evaluate at once if free, noting it; the first time, send the other request while evaluating."""
        result = super().self_check_now(body, as_at=as_at)
        if result is not None:
            self.events.append("evaluated on the loop")
            if len(self.events) == 1:
                self.send_other()
                self.events.append("other sent")
        return result


def answer(connection: socket.socket) -> bytes:
    """Read one HTTP response whole from a connection and return its body (the status must be 200)."""
    connection.settimeout(30)
    data = b""
    while b"\r\n\r\n" not in data:
        data += (chunk := connection.recv(1000))
        assert chunk, "the connection closed before the answer came"
    head, body = data.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200"), head
    length = int(
        next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")).split(b":")[1]
    )
    while len(body) < length:
        body += (chunk := connection.recv(1000))
        assert chunk, "the connection closed in the answer's body"
    return body


@pytest.mark.parametrize("kept_open", [True, False], ids=["kept-open connection", "new connection"])
@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_a_request_sent_during_an_evaluation_on_the_loop_begins_before_the_next_one(loop: str, kept_open: bool) -> None:
    """Six self-checks read together, and another request sent while the first is evaluated: it begins next."""
    port = free_port()
    other = b"GET /other HTTP/1.1\r\nhost: test\r\n\r\n"
    kept: list[socket.socket] = []

    def send_other() -> None:
        if kept_open:
            kept[0].sendall(other)
        else:
            kept.append(socket.create_connection((HOST, port)))
            kept[-1].sendall(other)

    on_loop, service = OnLoop(), Probe(send_other)
    read: dict[str, asyncio.Future[None]] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["path"] == "/other":
            service.events.append("other begins")
            reply: Any = b"other"
        else:
            body = (await receive())["body"]
            everyone = read.setdefault("all", asyncio.get_running_loop().create_future())
            if on_loop.self_checks == len(checks):  # the last one read: all queue up from here on
                everyone.set_result(None)
            await everyone
            reply = await on_loop.self_check(cast(Service, service), body, None)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(reply))]})
        await send({"type": "http.response.body", "body": reply})

    config = uvicorn.Config(RequestsInFlight(app, on_loop), host=HOST, port=port, loop=loop, log_level="warning")
    server = uvicorn.Server(config)
    serving = threading.Thread(target=server.run)
    serving.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert serving.is_alive(), "the server stopped before it started"
            assert time.monotonic() < deadline, "the server did not start"
            threading.Event().wait(0.01)
        kept.append(socket.create_connection((HOST, port)))
        checks = [socket.create_connection((HOST, port)) for _ in range(6)]
        kept.extend(checks)  # closed at the end with the others
        for number, connection in enumerate(checks):
            connection.sendall(b"POST /v1/self-check HTTP/1.1\r\nhost: test\r\ncontent-length: 1\r\n\r\n%d" % number)
        answers = [answer(connection) for connection in checks]
        answers.append(answer(kept[0] if kept_open else kept[-1]))  # sent once the first check was evaluated
        assert answers == [b"%d" % number for number in range(6)] + [b"other"]
    finally:
        server.should_exit = True
        serving.join(30)
        for connection in kept:
            connection.close()

    sent = service.events.index("other sent")
    assert service.events[sent + 1] == "other begins", service.events
    assert service.events.count("evaluated on the loop") >= 2, "the self-checks after it went on on the loop"
