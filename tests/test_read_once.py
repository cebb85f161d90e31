"""Stored evaluations are parsed once in a unit of work, and nothing parsed outlives it."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from datetime import date

from lsc_engine.core.decision import evaluate
from lsc_engine.core.loading import read_pack
from lsc_engine.core.model_json import model_json
from lsc_engine.core.ruleset import load_ruleset
from lsc_engine.store.read_once import evaluations_read_once, parsed

from .conftest import FIXTURES

_TEXT = model_json(
    evaluate(read_pack(FIXTURES / "seed-moc-mds-2020-03.json"), load_ruleset(), as_at=date(2020, 3, 6))
).decode()


def _result() -> str:
    return _TEXT


def test_outside_a_unit_of_work_each_read_parses() -> None:
    first, second = parsed("e1", "d1", _result), parsed("e1", "d1", _result)
    assert first == second
    assert first is not second


def test_within_a_unit_of_work_a_record_is_parsed_once_and_dropped_after() -> None:
    with evaluations_read_once():
        first = parsed("e1", "d1", _result)
        assert parsed("e1", "d1", _result) is first
        assert parsed("e2", "d1", _result) is not first  # another record, though its text is the same
        assert parsed("e1", "d2", _result) is not first  # another digest: not the record read before
    assert parsed("e1", "d1", _result) is not first


def test_a_record_parsed_already_is_not_read_again() -> None:
    reads: list[int] = []

    def result() -> str:
        reads.append(1)
        return _TEXT

    with evaluations_read_once():
        parsed("e1", "d1", result)
        parsed("e1", "d1", result)
    assert len(reads) == 1


def test_threads_started_from_a_unit_of_work_share_it_and_others_do_not() -> None:
    with evaluations_read_once():
        first = parsed("e1", "d1", _result)
        with ThreadPoolExecutor(1) as pool:  # as a request's calls run in the thread pool, with its context
            assert pool.submit(copy_context().run, parsed, "e1", "d1", _result).result() is first
        seen: list[object] = []
        other = threading.Thread(target=lambda: seen.append(parsed("e1", "d1", _result)))  # no context: its own
        other.start()
        other.join()
        assert seen[0] is not first
