"""The register's pure parts: criteria in words, letter numbers from decisions, and formula-safe cells."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from lsc_engine.committee.conditions import ConditionState
from lsc_engine.committee.register import Filters, LetterMention, build, criterion_words, letter_mentions
from lsc_engine.committee.register_files import FORMULA_STARTS, neutralised
from lsc_engine.committee.snapshot import Snapshot
from lsc_engine.committee.views import DecisionView
from lsc_engine.core.evidence import ConditionKind

from .helpers import condition_state

GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.mark.parametrize(
    ("criterion", "words"), [("LSC6", "LSC 6"), ("LSC10.4", "LSC 10.4"), ("LSC1", "LSC 1"), ("OTHER", "OTHER")]
)
def test_criteria_are_written_as_the_panel_writes_them(criterion: str, words: str) -> None:
    assert criterion_words(criterion) == words


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_a_cell_a_spreadsheet_would_run_gets_an_apostrophe(start: str) -> None:
    assert neutralised(f"{start}cmd|' /C calc'!A0") == f"'{start}cmd|' /C calc'!A0"


@pytest.mark.parametrize("text", ["DCC reports monthly", "'quoted already", "a = b", "", "10 days"])
def test_other_text_is_left_as_written(text: str) -> None:
    assert neutralised(text) == text


def _decision(ident: str, considered_on: date, *, superseded_by: str | None = None) -> DecisionView:
    snapshot = Snapshot.model_validate_json((GOLDEN / "decision-snapshot.json").read_text())
    return DecisionView(
        id=ident,
        submission_id="s",
        evaluation_id="e",
        outcome="recommend_with_conditions",
        considered_on=considered_on,
        supersedes=None,
        superseded_by=superseded_by,
        actor="panel:Chair",
        recorded_at=datetime(2020, 3, 9, tzinfo=UTC),
        snapshot=snapshot,
    )


def test_the_latest_standing_decision_gives_a_condition_its_letter_number() -> None:
    conditions = _decision("x", date(2020, 3, 6)).snapshot.conditions
    assert conditions, "the golden decision attaches conditions"
    found = letter_mentions(
        [
            _decision("earlier", date(2020, 1, 10)),
            _decision("corrected", date(2020, 4, 1), superseded_by="latest"),  # a corrected decision counts for nothing
            _decision("latest", date(2020, 3, 6)),
        ]
    )
    assert found == {
        c.id: LetterMention(decision_id="latest", considered_on=date(2020, 3, 6), number=c.number) for c in conditions
    }
    assert found[conditions[0].id].words() == f"condition {conditions[0].number}, decision of 6 March 2020"


def _state(kind: ConditionKind, source: str) -> ConditionState:
    return condition_state(kind=kind, source=source)


@pytest.mark.parametrize(
    ("kind", "source", "words", "came_from"),
    [
        (
            ConditionKind.PREREQUISITE_MIGRATION,
            "carried over: EPCL-2019-07-C1",
            "Prerequisite to migration start (carried over)",
            "Carried over from an earlier decision",
        ),
        (
            ConditionKind.CARRIED_OVER,
            "carried over: EPCL-2019-07-C1",
            "Carried over",
            "Carried over from an earlier decision",
        ),
        (ConditionKind.ONGOING_REPORTING, "manual", "Ongoing reporting", "Added by hand"),
    ],
)
def test_an_entry_says_its_kind_and_where_it_came_from_in_words(
    kind: ConditionKind, source: str, words: str, came_from: str
) -> None:
    [entry] = build(
        {"MOC-MDS": [_state(kind, source)]},
        copies={},
        versions={},
        letters={},
        filters=Filters(),
        as_on=date(2020, 3, 9),
    ).entries
    assert entry.kind_words == words
    assert entry.came_from == came_from
    assert entry.letter_words == "Not attached to a decision"
