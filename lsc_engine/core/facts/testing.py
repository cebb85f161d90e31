"""Testing facts (TAG): test phases, regression results, defects and testing issues."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from lsc_engine.core.evidence import Defect, DefectStatus, PhaseStatus, TestingIssue, TestPhase
from lsc_engine.core.facts.base import Declared, Fact, FixedSection, about, count

_PHASES = ("testing.phases",)
_REGRESSION = ("testing.phases", "testing.issues")
_DEFECTS = ("testing.defects",)
_ISSUES = ("testing.issues", "testing.phases")  # reported only beside phases


class TestingFacts(FixedSection):
    """Facts of the testing section; none changes with the date."""

    declared = (
        Declared("test_phases", "number of test phases reported", _PHASES),
        Declared("test_phases_incomplete", "test phases not yet complete", _PHASES),
        Declared("test_phases_incomplete_names", "names of the test phases not yet complete", _PHASES),
        Declared(
            "test_phases_criteria_unmet", "complete test phases whose entry or exit criteria were not met", _PHASES
        ),
        Declared("regression_pass_rate", "lowest pass rate (%) of a regression phase", _PHASES),
        Declared(
            "regression_failures_unexcepted", "regression failures not covered by an accepted exception", _REGRESSION
        ),
        Declared("regression_failures_excepted", "regression failures accepted as exceptions", _REGRESSION),
        Declared("defects_open_sev1", "open Severity 1 defects", _DEFECTS),
        Declared("defects_open_sev2", "open Severity 2 defects", _DEFECTS),
        Declared("defects_open_sev3", "open Severity 3 defects", _DEFECTS),
        Declared("defects_open_sev3_undated", "open Severity 3 defects without a fix date", _DEFECTS),
        Declared("defects_open_sev4", "open Severity 4 defects", _DEFECTS),
        Declared("testing_issues_open_unexcepted", "open testing issues not accepted as exceptions", _ISSUES),
        Declared("testing_issues_excepted", "testing issues accepted as exceptions", _ISSUES),
    )

    def derive(self) -> dict[str, Fact]:
        """Derive the testing facts from the phases, defects and issues known."""
        testing = self.pack.testing
        if testing is None:
            return {}
        known = self.known
        phases = known.items(testing.phases, "testing.phases")
        issues = known.items(testing.issues, "testing.issues")
        found = {"test_phases": count(phases)}
        if testing.defects is not None:
            found |= _defects(known.items(testing.defects, "testing.defects"))
        if not phases:
            return found
        incomplete = [p for p in phases if p.status != PhaseStatus.COMPLETE or (p.completed_on or known.at) > known.at]
        found["test_phases_incomplete"] = count(incomplete)
        if incomplete:
            found["test_phases_incomplete_names"] = about(", ".join(p.name for p in incomplete), incomplete)
        unmet = [
            p for p in phases if p.status == PhaseStatus.COMPLETE and not (p.entry_criteria_met and p.exit_criteria_met)
        ]
        found["test_phases_criteria_unmet"] = count(unmet)
        excepted_issues = [i for i in issues if i.exception is not None and i.exception.accepted_on <= known.at]
        excepted_ids = {i.id for i in excepted_issues}
        found["testing_issues_excepted"] = count(excepted_issues)
        found["testing_issues_open_unexcepted"] = count(
            [i for i in issues if not i.resolved and i.id not in excepted_ids]
        )
        found |= _regression(phases, excepted_issues)
        return found


def _regression(phases: Sequence[TestPhase], excepted: Sequence[TestingIssue]) -> dict[str, Fact]:
    measured = [p for p in phases if p.regression and p.executed]
    if not measured:
        return {}
    excepted_by_phase = Counter(issue.phase_id for issue in excepted)
    passed = [100.0 * p.passed / p.executed for p in measured if p.passed is not None and p.executed]
    unexcepted = 0
    covered = 0
    for phase in measured:
        executed = phase.executed or 0
        failures = executed - (phase.passed if phase.passed is not None else 0)
        covered_here = min(failures, excepted_by_phase[phase.id])
        covered += covered_here
        unexcepted += failures - covered_here
    found = {
        "regression_failures_unexcepted": about(unexcepted, measured),
        "regression_failures_excepted": about(covered, [i for i in excepted if i.phase_id in {p.id for p in measured}]),
    }
    if passed:
        found["regression_pass_rate"] = about(min(passed), measured)
    return found


def _defects(defects: Sequence[Defect]) -> dict[str, Fact]:
    by_severity: dict[int, list[Defect]] = defaultdict(list)
    is_open = DefectStatus.OPEN  # looked up once, not once a defect: a pack may hold hundreds of thousands
    for defect in defects:
        if defect.status == is_open:
            by_severity[defect.severity].append(defect)
    found = {f"defects_open_sev{s}": count(by_severity[s]) for s in (1, 2, 3, 4)}
    found["defects_open_sev3_undated"] = count([d for d in by_severity[3] if d.fix_due is None])
    return found
