"""Turns at evaluating: a bound on how many threads evaluate at once, with a waiting submission served first, and
a small self-check evaluated at once when a turn is free."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from fastapi.testclient import TestClient

from api.routes.submissions import AT_ONCE_BYTES
from lsc_engine.core.evaluation import Evaluation
from lsc_engine.services.submissions import Service
from lsc_engine.services.turns import Turns

from .conftest import FIXTURES


def wait_until_waiting(turns: Turns, count: int) -> None:
    """Poll until ``count`` threads wait for a turn (a bound well above any scheduling delay, not a timing check)."""
    deadline = time.monotonic() + 30
    while turns.waiting() < count:
        assert time.monotonic() < deadline, f"{turns.waiting()} of {count} threads came to wait"
        time.sleep(0.005)


def take_turn(turns: Turns, name: str, submission: bool, order: list[str]) -> threading.Thread:
    """Start a thread that takes a turn and notes its name while it holds it."""

    def run() -> None:
        with turns.turn(submission=submission):
            order.append(name)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_waiting_submission_takes_the_free_turn_before_a_self_check_that_came_first() -> None:
    turns = Turns(1)
    order: list[str] = []
    with turns.turn(submission=False):
        first = take_turn(turns, "self-check", False, order)
        wait_until_waiting(turns, 1)
        second = take_turn(turns, "submission", True, order)
        wait_until_waiting(turns, 2)
        assert order == [], "no one evaluates while the only turn is held"
    first.join()
    second.join()

    assert order == ["submission", "self-check"]
    assert turns.waiting() == 0


def test_a_self_check_waits_while_a_submission_is_stored_and_a_submission_does_not() -> None:
    turns = Turns(1)
    order: list[str] = []
    with turns.storing():
        check = take_turn(turns, "self-check", False, order)
        wait_until_waiting(turns, 1)
        take_turn(turns, "submission", True, order).join()  # the turn is free: a submission takes it at once
        assert order == ["submission"]
        assert turns.waiting() == 1, "the self-check still waits: a submission is being stored"
    check.join()

    assert order == ["submission", "self-check"]
    assert turns.waiting() == 0


def test_each_waiting_thread_gets_its_turn_one_at_a_time() -> None:
    turns = Turns(1)
    holding = 0
    most = 0
    lock = threading.Lock()

    def run(submission: bool) -> None:
        nonlocal holding, most
        with turns.turn(submission=submission):
            with lock:
                holding += 1
                most = max(most, holding)
            time.sleep(0.001)  # give another thread the chance to get in, were the bound broken
            with lock:
                holding -= 1

    threads = [threading.Thread(target=run, args=(index % 3 == 0,)) for index in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert most == 1
    assert turns.waiting() == 0


def test_without_a_bound_every_thread_evaluates_at_once() -> None:
    turns = Turns(None)
    inside = threading.Barrier(3, timeout=30)

    def run() -> None:
        with turns.turn(submission=False):
            inside.wait()  # all three are inside together, or this times out

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not inside.broken


def test_a_bound_needs_a_slot() -> None:
    with pytest.raises(ValueError, match="at least one slot"):
        Turns(0)


def test_a_turn_is_taken_at_once_only_when_it_is_free_and_no_submission_is_ahead() -> None:
    turns = Turns(1)
    with turns.turn_if_free() as free:
        assert free
        with turns.turn_if_free() as second:
            assert not second, "the only turn is held"
        order: list[str] = []
        waiting = take_turn(turns, "self-check", False, order)
        wait_until_waiting(turns, 1)
        assert order == [], "a turn taken at once is held like any other"
    waiting.join()
    assert order == ["self-check"]
    with turns.storing(), turns.turn_if_free() as free:
        assert not free, "a submission is being stored"
    with turns.turn_if_free() as free:
        assert free, "every turn taken was given back"
    with Turns(None).turn_if_free() as free:
        assert free


def _threads_evaluating(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Note the name of the thread each of the service's self-checks evaluates on."""
    service: Service = client.app.state.service  # type: ignore[attr-defined]
    names: list[str] = []
    check = Service._check

    def noted(self: Service, body: bytes, as_at: date | None) -> Evaluation:
        names.append(threading.current_thread().name)
        return check(self, body, as_at)

    monkeypatch.setattr(Service, "_check", noted)
    assert service._check.__func__ is noted  # type: ignore[attr-defined]
    return names


def test_a_small_self_check_is_evaluated_at_once_and_a_large_one_in_the_thread_pool(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = _threads_evaluating(client, monkeypatch)
    small = (FIXTURES / "seed-moc-mds-2020-03.json").read_bytes()
    large = small + b" " * AT_ONCE_BYTES  # the same pack, past the size evaluated at once
    answers = [client.post("/v1/self-check", content=body) for body in (small, large)]

    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[0].content == answers[1].content
    loop, pool = names
    assert "worker" not in loop.lower()
    assert "worker" in pool.lower()


def test_a_small_self_check_waits_in_the_pool_while_a_submission_is_stored(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = _threads_evaluating(client, monkeypatch)
    turns: Turns = client.app.state.service._turns  # type: ignore[attr-defined]
    small = (FIXTURES / "seed-moc-mds-2020-03.json").read_bytes()
    answers: list[int] = []

    def post() -> None:
        answers.append(client.post("/v1/self-check", content=small).status_code)

    with turns.storing():
        check = threading.Thread(target=post)
        check.start()
        wait_until_waiting(turns, 1)
        assert client.get("/healthz").status_code == 200, "the event loop is free while the self-check waits"
        assert (answers, names) == ([], []), "nothing is evaluated while a submission is stored"
    check.join()

    assert answers == [200]
    [pool] = names
    assert "worker" in pool.lower()
