"""The API's self-checks taken one at a time, first come first served, small ones on the event loop when nothing waits.

Handing an evaluation to the thread pool and back costs a worker far more time than its instructions show: two
thread wake-ups, and the caches gone cold between the threads. So every self-check of the API waits in a queue of
its own, and none of them polls. Each, in its turn, is evaluated on the loop itself when all of these hold:

- its pack is at most ``ON_LOOP_BYTES`` (packs of that size shaped to make the evaluation work hardest took under
  8 ms, docs/performance.md, "Ninth round");
- every request the worker has begun and not finished is a self-check of the API (``RequestsInFlight`` counts
  them from the moment each begins, before its body is read);
- no thread evaluates, waits for a turn or stores a submission (``Turns.turn_now``).

Otherwise it is evaluated in a thread of the queue's own (never waiting behind other routes for one), where a
waiting submission takes the next turn ahead of it (``Turns``). A turn is given once the loop has gone round
``PASSES`` times since the self-check was read, or since the one before it ended, so that every request read
meanwhile has begun, and been counted, first; the next turn waits for the end of the one before, even in a thread
whose request was cancelled. So a submission, a page or a read waits for at most one self-check of the API: the one
running when it began.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from datetime import date
from functools import partial

from anyio import CapacityLimiter, to_thread
from starlette.types import ASGIApp, Receive, Scope, Send

from lsc_engine.core.evaluation import Evaluation
from lsc_engine.services.submissions import Service

#: The largest pack evaluated on the loop.
ON_LOOP_BYTES = 32 * 1024
#: How many times the loop goes round before a self-check's chance. A request sent during an evaluation on the loop
#: begins within two rounds of its end on uvloop; on asyncio's own loop, within two on a connection kept open, and
#: within five on a new one (the connection accepted, set up and read, then the request's task started).
PASSES = 5
#: The one request that may be evaluated on the loop: the API's self-check.
SELF_CHECK = ("POST", "/v1/self-check")


class OnLoop:
    """A worker's requests in flight, and the API's self-checks waiting for their turns, in the order they came."""

    def __init__(self) -> None:
        self.requests = 0
        self.self_checks = 0
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._busy = False  # a turn is on its way or being used
        self._thread = CapacityLimiter(1)  # the queue's own: one self-check of it in a thread at a time

    def others(self) -> int:
        """Count the requests in flight that are not self-checks."""
        return self.requests - self.self_checks

    async def self_check(self, service: Service, body: bytes, as_at: date | None) -> Evaluation:
        """Evaluate a self-check in its turn: on the loop if small and nothing else waits, else in a thread."""
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        if not self._busy:
            self._busy = True
            self._pass_on()
        try:
            await turn
        except BaseException:
            if turn.done() and not turn.cancelled():
                self._pass_on()  # its turn came as it was cancelled: pass it on
            raise
        in_a_thread = False
        try:
            # Looked at now, a round after the turn was given: a request counted since then goes first all the same.
            if len(body) <= ON_LOOP_BYTES and not self.others():
                result = service.self_check_now(body, as_at=as_at)
                if result is not None:
                    return result
            # In a thread of its own, not waiting behind other routes for one; the next turn comes when the thread
            # ends, even if this request is cancelled meanwhile.
            work = asyncio.ensure_future(
                to_thread.run_sync(partial(service.self_check, body, as_at=as_at), limiter=self._thread)
            )
            work.add_done_callback(self._thread_ended)
            in_a_thread = True
        finally:
            if not in_a_thread:
                self._pass_on()
        return await asyncio.shield(work)

    def _thread_ended(self, work: asyncio.Future[Evaluation]) -> None:
        """Pass the turn on once the thread is done (its failure is raised to the request, if it still waits)."""
        if not work.cancelled():
            work.exception()  # read here too, so that a request cancelled meanwhile leaves nothing unread
        self._pass_on()

    def _pass_on(self) -> None:
        """Give the next turn once the loop has gone round ``PASSES`` times."""
        _after_passes(self._next, PASSES)

    def _next(self) -> None:
        """Give the first waiting self-check its turn, or rest."""
        while self._waiting and self._waiting[0].done():  # its request was cancelled while it waited
            self._waiting.popleft()
        if self._waiting:
            self._waiting.popleft().set_result(None)
        else:
            self._busy = False


def _after_passes(then: Callable[[], None], passes: int) -> None:
    """Call ``then`` once the loop has gone round so many times."""
    if passes:
        asyncio.get_running_loop().call_soon(_after_passes, then, passes - 1)
    else:
        then()


class RequestsInFlight:
    """Count each HTTP request from its beginning to its end, self-checks apart (plain ASGI, no extra task)."""

    def __init__(self, app: ASGIApp, on_loop: OnLoop) -> None:
        self.app = app
        self.on_loop = on_loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, counted while it runs."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        on_loop = self.on_loop
        self_check = (scope["method"], scope["path"]) == SELF_CHECK
        on_loop.requests += 1
        on_loop.self_checks += self_check
        try:
            await self.app(scope, receive, send)
        finally:
            on_loop.requests -= 1
            on_loop.self_checks -= self_check
