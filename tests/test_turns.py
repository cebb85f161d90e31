"""Turns at evaluating: a bound on how many threads evaluate at once, with a waiting submission served first."""

from __future__ import annotations

import gc
import threading
import time
from typing import Any

import pytest

from lsc_engine.core.decision import evaluate
from lsc_engine.core.loading import GC_PAUSE_BYTES
from lsc_engine.services.turns import Turns

from .auth import ActingClient
from .conftest import FIXTURES

MDS = (FIXTURES / "seed-moc-mds-2020-03.json").read_bytes()


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


@pytest.mark.api
def test_no_self_check_starts_between_a_submissions_evaluation_and_its_storing(
    pages: ActingClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A submission gave its turn back and only then counted itself as being stored: a self-check could start between.
    free_at_release: list[bool] = []  # whether a self-check could have started as each turn was given back
    release = Turns._release

    def noted_release(turns: Turns) -> None:
        monkeypatch.setattr(Turns, "_release", release)  # only the first turn given back is noted
        release(turns)
        with turns.turn_now() as taken:
            free_at_release.append(taken)

    service = pages.app.state.service  # type: ignore[attr-defined]
    monkeypatch.setattr(Turns, "_release", noted_release)
    stored = service.submit(MDS, submitter="dcc")

    assert stored.submission.id
    assert free_at_release == [False], "the submission's turn was given back before it counted as being stored"
    with service._turns.turn_now() as taken:
        assert taken, "the submission, once stored, holds self-checks back no longer"


@pytest.mark.api
def test_the_pages_self_check_waits_its_turn_while_a_submission_is_stored(pages: ActingClient) -> None:
    # The pages' self-check evaluated in the thread pool without a turn, alongside the submissions being stored.
    answers: list[Any] = []  # the test client's answers
    turns: Turns = pages.app.state.service._turns  # type: ignore[attr-defined]
    with turns.storing():
        check = threading.Thread(
            target=lambda: answers.append(pages.post("/self-check", files={"pack": ("mds.json", MDS)}))
        )
        check.start()
        wait_until_waiting(turns, 1)
        assert answers == [], "no self-check evaluates while a submission is being stored"
    check.join(timeout=60)

    assert not check.is_alive()
    assert answers[0].status_code == 200
    assert "mds.json" in answers[0].text
    assert "LSC10" in answers[0].text  # the ratings matrix of the evaluation
    assert turns.waiting() == 0


@pytest.mark.api
def test_the_pages_self_check_evaluates_a_large_pack_with_the_collector_held_off(
    pages: ActingClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As the service does for the API's self-checks (``Service._checked``); the page paused it only while reading.
    collecting: list[bool] = []

    def noted(*args: Any, **kwargs: Any) -> Any:
        collecting.append(gc.isenabled())
        return evaluate(*args, **kwargs)

    monkeypatch.setattr("lsc_engine.services.submissions.evaluate", noted)
    large = MDS + b" " * GC_PAUSE_BYTES  # the same pack, sent as a body this large
    assert gc.isenabled()
    answers = [pages.post("/self-check", files={"pack": ("mds.json", body)}) for body in (MDS, large)]

    assert [answer.status_code for answer in answers] == [200, 200]
    assert "LSC10" in answers[1].text
    assert collecting == [True, False], "a small pack leaves the collector alone; a large one holds it off"
    assert gc.isenabled()
