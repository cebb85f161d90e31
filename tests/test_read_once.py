"""Stored evaluations are parsed once in a unit of work while it keeps them, and nothing parsed outlives it."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from datetime import date

from lsc_engine.core.decision import evaluate
from lsc_engine.core.loading import read_pack
from lsc_engine.core.model_json import model_json
from lsc_engine.core.ruleset import load_ruleset
from lsc_engine.services.submissions import Service
from lsc_engine.settings import Settings
from lsc_engine.store.db import make_engine
from lsc_engine.store.read_once import evaluations_read_once, parsed

from .conftest import FIXTURES
from .helpers import statements_sent

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


def test_a_unit_of_work_keeps_the_evaluations_read_most_recently_within_its_bound() -> None:
    reads: list[str] = []

    def result(ident: str) -> Callable[[], str]:
        def read() -> str:
            reads.append(ident)
            return _TEXT

        return read

    with evaluations_read_once(keep_characters=2 * len(_TEXT)):
        first, second = parsed("e1", "d1", result("e1")), parsed("e2", "d1", result("e2"))
        assert parsed("e1", "d1", result("e1")) is first  # kept, and now the one read most recently
        third = parsed("e3", "d1", result("e3"))  # past the bound: the second, read least recently, is dropped
        assert parsed("e1", "d1", result("e1")) is first
        assert parsed("e3", "d1", result("e3")) is third
        again = parsed("e2", "d1", result("e2"))
        assert again is not second
        assert again == second
    assert reads == ["e1", "e2", "e3", "e2"]
    with evaluations_read_once(keep_characters=len(_TEXT) - 1):  # larger than the bound: never kept
        alone = parsed("e1", "d1", result("e1"))
        assert parsed("e1", "d1", result("e1")) is not alone
    assert reads[4:] == ["e1", "e1"]


def test_a_stored_result_parsed_already_in_a_unit_of_work_is_not_loaded_again(settings: Settings) -> None:
    engine = make_engine(settings)
    try:
        service = Service(engine, load_ruleset())
        ident = service.submit((FIXTURES / "seed-moc-mds-2020-03.json").read_bytes(), submitter="DCC").record.id

        def loads_of_the_result() -> int:
            with statements_sent(engine) as sent:
                evaluation = service.evaluation(ident)
            assert evaluation.evaluation.overall == evaluation.overall
            return sum(bool(re.search(r"evaluation\.result\b", statement)) for statement in sent)

        assert [loads_of_the_result(), loads_of_the_result()] == [1, 1]  # outside a unit of work: each read loads it
        with evaluations_read_once():
            assert [loads_of_the_result(), loads_of_the_result()] == [1, 0]
    finally:
        engine.dispose()
