"""Letters and charts of long records do work growing with their length, not with its square.

Three places compared each new thing with every one before it: the sentences of a letter's annex note (a
capability with 16,000 providers not ready took 35 s to compose), the markers of the incident chart (32,000
incidents took 18 s to draw) and the stretches of the timeline's axis (16,000 moments took 9 s). Each is checked
here against the way it worked before, kept below as the reference; the note's comparisons and the markers
measured are counted, not timed.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.web import charts
from api.web.timeline_chart import _stretches, timeline_svg
from lsc_engine.committee import annex_notes, letter_text
from lsc_engine.committee.letter import markdown
from lsc_engine.committee.letter_text import Evidence
from lsc_engine.committee.timeline import Lane, Moment
from lsc_engine.core.decision import evaluate
from lsc_engine.core.evaluation import Finding
from lsc_engine.core.evidence import EvidencePack, Item, iter_items
from lsc_engine.core.loading import read_pack
from lsc_engine.core.rating import Rating
from lsc_engine.core.ruleset import load_ruleset
from tests.conftest import FIXTURES
from tests.test_letter_text import letter_on

_SEED = read_pack(FIXTURES / "seed-moc-mds-2020-03.json")
_SEED_EVALUATION = evaluate(_SEED, load_ruleset(), as_at=_SEED.statement.date)


class _Compared(str):
    """A sentence that counts how often it is compared with another."""

    comparisons = 0

    def __eq__(self, other: object) -> bool:
        _Compared.comparisons += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def _finding(rule_id: str) -> Finding:
    return Finding(rule_id, rule_id, Rating.AMBER, "message", "basis", [], 0, False)


def test_an_annex_note_says_each_sentence_once_comparing_only_equals(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two findings that list 3,000 names between them, 1,000 in both: each name is a sentence of the note.
    said = {
        "first": [_Compared(f"Provider {n} is not ready.") for n in range(2000)],
        "second": [_Compared(f"Provider {n} is not ready.") for n in range(1000, 3000)],
    }
    monkeypatch.setattr(annex_notes, "_concerns", lambda finding, items, required: (said[finding.rule_id], []))
    _Compared.comparisons = 0
    composed = annex_notes._composed([_finding("first"), _finding("second")], Evidence(_SEED, _SEED_EVALUATION))
    comparisons = _Compared.comparisons
    assert composed == [f"Provider {n} is not ready." for n in range(3000)]
    # Only a sentence said twice is compared, with its equal: before, each was compared with every one kept.
    assert comparisons == 1000


def _composed_before(findings: list[Finding], evidence: Evidence) -> list[str]:
    """Compose an annex note's sentences as before: each new one searched for among those kept."""
    items = evidence.items()
    concerns: list[str] = []
    responses: list[str] = []
    for finding in findings:
        said, answered = annex_notes._concerns(finding, items, [])
        concerns += [s for s in said if s not in concerns]
        responses += [s for s in answered if s not in responses]
    return [*concerns, *responses]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.lists(st.sampled_from("abcde"), max_size=6), st.lists(st.sampled_from("vwxyz"), max_size=6)),
        max_size=5,
    )
)
def test_an_annex_note_says_what_it_said_before(spoken: list[tuple[list[str], list[str]]]) -> None:
    # Sentences repeated across findings are said once; a finding that repeats itself is kept as it speaks.
    said = {f"f{n}": words for n, words in enumerate(spoken)}
    findings = [_finding(rule_id) for rule_id in said]
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(annex_notes, "_concerns", lambda finding, items, required: said[finding.rule_id])
        evidence = Evidence(_SEED, _SEED_EVALUATION)
        assert annex_notes._composed(findings, evidence) == _composed_before(findings, evidence)


def test_a_letter_indexes_its_pack_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every annex note reads the pack's items by id, twice (what is open and what is confidential): the index was
    # built again for each, up to 34 times a letter (0.87 s of a letter of 16,000 providers not ready).
    read = 0

    def counted(pack: EvidencePack) -> list[tuple[str, Item]]:
        nonlocal read
        read += 1
        return iter_items(pack)

    monkeypatch.setattr(letter_text, "iter_items", counted)
    text = markdown(letter_on(load_ruleset()))
    assert read == 1
    # The notes still say what the cited evidence says: the consumer risk's mitigation and the BCDR plan's gap.
    assert "DCC set out its mitigation, due by 31 May 2020" in text
    assert "The published BCDR plan does not yet cover MDS or Telefonica." in text


def _near_before(placed: list[float], x: float) -> int:
    """Count the markers near ``x`` as the chart counted them before: every marker of the lane."""
    return sum(1 for other in placed if abs(other - x) < 11)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from([0.0, 0.1, 5.5, 10.999999999999998, 11.0, 11.000000000000002, 22.0, 170.3]), max_size=30)
)
def test_markers_near_a_new_one_are_counted_as_before(steps: list[float]) -> None:
    xs = [170.0]
    for step in steps:  # markers placed oldest first stand in order, often on the same spot
        xs.append(xs[-1] + step)
    placed: list[float] = []
    for x in xs:
        assert charts._near(placed, x) == _near_before(placed, x)
        placed.append(x)


class _Subtracted(float):
    """A marker's position that counts how often another is measured against it."""

    measured = 0

    def __sub__(self, other: Any) -> float:
        _Subtracted.measured += 1
        return float(self) - float(other)


def test_markers_near_a_new_one_are_found_by_bisection() -> None:
    placed: list[float] = [_Subtracted(170 + n * 0.02) for n in range(32_000)]
    x = 170 + 32_000 * 0.02
    near = _near_before([float(other) for other in placed], x)
    _Subtracted.measured = 0
    assert charts._near(placed, x) == near
    assert _Subtracted.measured <= 16  # log2 of 32,000; before, all 32,000 were measured


def _moments(days: list[date]) -> list[Moment]:
    return [Moment(on=day, lane=Lane.EVIDENCE, title=f"Reported on {day}") for day in days]


@pytest.mark.parametrize("seed", range(20))
def test_each_moment_is_placed_on_its_own_stretch_of_the_axis(seed: int) -> None:
    chance = random.Random(seed)
    start = date(2019, 1, 1)
    days = sorted({start + timedelta(days=chance.choice([1, 3, 40, 121, 400]) * n) for n in range(60)})
    marked = start + timedelta(days=chance.randrange(0, 4000))
    svg = timeline_svg(_moments(days), marked)
    stretches = _stretches([*days, marked])
    # Before, each day's stretch was the first to hold it, tried in turn.
    placed = [next(s for s in stretches if s.first <= day <= s.last).x(day) for day in days]
    drawn = [float(cx) for cx in re.findall(r'<circle class="mark[^"]*" cx="([\d.]+)"', svg)]
    assert drawn == [float(f"{x:.1f}") for x in placed]
    as_at = re.search(r'<line class="as-at" x1="([\d.]+)"', svg)
    assert as_at is not None
    assert float(as_at.group(1)) == float(f"{next(s for s in stretches if s.first <= marked <= s.last).x(marked):.1f}")
