"""Testing facts (TAG): test phases, regression results, defects and testing issues."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from itertools import compress
from operator import attrgetter

from lsc_engine.core.evidence import (
    CriterionKind,
    Defect,
    DefectStatus,
    GoLiveCriterion,
    Group,
    Item,
    PhaseStatus,
    TestException,
    TestingIssue,
    TestPhase,
)
from lsc_engine.core.facts.acceptance import accepted_by
from lsc_engine.core.facts.base import Declared, Fact, FixedSection, about, count, not_yet_reported

_PHASES = ("testing.phases",)
_REGRESSION = ("testing.phases", "testing.issues")
_DEFECTS = ("testing.defects",)
_TOLERANCES = ("testing.defects", "milestones.go_live_criteria")
_ISSUES = ("testing.issues", "testing.phases")  # reported only beside phases


#: The group whose acceptance makes a testing issue an exception: TAG rates the testing criteria. Anyone else's
#: acceptance (DCC's own, say) is a request for one, awaiting TAG.
OWNER = Group.TAG


def accepted_by_owner(exception: TestException) -> bool:
    """Whether TAG is among those the pack says accepted an exception."""
    return accepted_by(exception.accepted_by, OWNER)


class TestingFacts(FixedSection):
    """Facts of the testing section; none changes with the date."""

    declared = (
        Declared("test_phases", "number of test phases reported", _PHASES),
        Declared(
            "test_phases_reported_from",
            "when every test phase in the pack was reported after the as-at date: the date the first was",
            _PHASES,
        ),
        Declared("test_phases_incomplete", "test phases not yet complete", _PHASES),
        Declared("test_phases_incomplete_names", "names of the test phases not yet complete", _PHASES),
        Declared(
            "test_phases_criteria_unmet", "complete test phases whose entry or exit criteria were not met", _PHASES
        ),
        Declared("regression_pass_rate", "lowest pass rate (%) of a regression phase", _PHASES),
        Declared(
            "regression_failures_unexcepted",
            "regression failures neither accepted by TAG as exceptions nor put to TAG as exception requests",
            _REGRESSION,
        ),
        Declared("regression_failures_excepted", "regression failures TAG accepted as exceptions", _REGRESSION),
        Declared("regression_exceptions_accepted_by", "who the pack says accepted those exceptions", _REGRESSION),
        Declared(
            "regression_failures_requested",
            "regression failures whose exception someone other than TAG accepted: requests awaiting TAG",
            _REGRESSION,
        ),
        Declared("regression_exceptions_requested_by", "who accepted those requested exceptions", _REGRESSION),
        Declared("defects_open_sev1", "open Severity 1 defects", _DEFECTS),
        Declared("defects_open_sev2", "open Severity 2 defects", _DEFECTS),
        Declared("defects_open_sev3", "open Severity 3 defects", _DEFECTS),
        Declared("defects_open_sev3_undated", "open Severity 3 defects without a fix date", _DEFECTS),
        Declared("defects_open_sev4", "open Severity 4 defects", _DEFECTS),
        Declared(
            "defects_tolerances_agreed_by",
            "who agreed the capability's own defect tolerances (in its test approach), which replace the defaults",
            _TOLERANCES,
        ),
        Declared("defects_tolerances_agreed", "those tolerances, by severity", _TOLERANCES),
        *(
            Declared(
                f"defects_agreed_max_sev{s}",
                f"the most open Severity {s} defects the agreed tolerance allows",
                _TOLERANCES,
            )
            for s in (1, 2, 3)
        ),
        Declared(
            "defects_over_agreed_tolerance",
            "severities whose open defects exceed the capability's agreed tolerance",
            _TOLERANCES,
        ),
        Declared(
            "defects_over_agreed_tolerance_detail", "for each, how many are open against how many allowed", _TOLERANCES
        ),
        Declared(
            "defects_reported_from",
            "when every defect in the pack was reported after the as-at date: the date the first was",
            _DEFECTS,
        ),
        Declared(
            "testing_issues_open_unexcepted",
            "open testing issues with no exception accepted, by TAG or anyone else",
            _ISSUES,
        ),
        Declared("testing_issues_excepted", "testing issues TAG accepted as exceptions", _ISSUES),
        Declared(
            "testing_issues_exception_requested",
            "open testing issues whose exception someone other than TAG accepted: requests awaiting TAG",
            _ISSUES,
        ),
        Declared("testing_issues_exception_requested_by", "who accepted those requested exceptions", _ISSUES),
        Declared(
            "testing_issues_reported_from",
            "when every testing issue in the pack was reported after the as-at date: the date the first was",
            _ISSUES,
        ),
    )

    def derive(self) -> dict[str, Fact]:
        """Derive the testing facts from the phases, defects and issues known."""
        testing = self.pack.testing
        if testing is None:
            return {}
        known = self.known
        phases = known.items(testing.phases, "testing.phases")
        issues = known.items(testing.issues, "testing.issues")
        found: dict[str, Fact] = {}
        if testing.defects is not None:
            defects = known.items(testing.defects, "testing.defects")
            late = not_yet_reported("defects_reported_from", testing.defects, defects, *self._dates())
            found |= late or _defects(defects) | _tolerances(defects, self._agreed_tolerances())
        late_phases = not_yet_reported("test_phases_reported_from", testing.phases, phases, *self._dates())
        if late_phases:
            return found | late_phases
        found["test_phases"] = count(phases)
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
        recorded = [i for i in issues if i.exception is not None and i.exception.accepted_on <= known.at]
        by_owner = [i.exception is not None and accepted_by_owner(i.exception) for i in recorded]
        excepted = [i for i, owned in zip(recorded, by_owner, strict=True) if owned]
        requested = [i for i, owned in zip(recorded, by_owner, strict=True) if not owned]
        found |= _regression(phases, excepted, requested)
        late_issues = not_yet_reported("testing_issues_reported_from", testing.issues, issues, *self._dates())
        if late_issues:
            return found | late_issues
        recorded_ids = {i.id for i in recorded}
        open_requested = [i for i in requested if not i.resolved]
        found["testing_issues_excepted"] = count(excepted)
        found["testing_issues_exception_requested"] = count(open_requested)
        if open_requested:
            found["testing_issues_exception_requested_by"] = about(_who(open_requested), open_requested)
        found["testing_issues_open_unexcepted"] = count(
            [i for i in issues if not i.resolved and i.id not in recorded_ids]
        )
        return found

    def _dates(self) -> tuple[date, date]:
        """Return the statement's date, for which an empty list speaks, and the date the evidence is known at."""
        return self.pack.statement.date, self.known.at

    def _agreed_tolerances(self) -> dict[int, GoLiveCriterion]:
        """Return the defect tolerance agreed for each severity, the latest reported where several are.

        The milestones facts record the criteria not yet known at the date; they are only filtered here.
        """
        milestones = self.pack.milestones
        agreed: dict[int, GoLiveCriterion] = {}
        for criterion in sorted(
            (c for c in (milestones.go_live_criteria if milestones else []) if c.provenance.date <= self.known.at),
            key=lambda c: c.provenance.date,
        ):
            if criterion.kind == CriterionKind.DEFECT_TOLERANCE and criterion.severity is not None:
                agreed[criterion.severity] = criterion
        return agreed


def _tolerances(defects: Sequence[Defect], agreed: dict[int, GoLiveCriterion]) -> dict[str, Fact]:
    """Compare the open defects of each severity with the tolerance agreed for it, where one was."""
    if not agreed:
        return {}
    criteria = [agreed[s] for s in sorted(agreed)]
    is_open = DefectStatus.OPEN
    found: dict[str, Fact] = {
        "defects_tolerances_agreed_by": about(_joined(list(dict.fromkeys(c.agreed_by for c in criteria))), criteria),
        "defects_tolerances_agreed": about(
            "; ".join(f"Severity {s}: at most {agreed[s].max_open} open" for s in sorted(agreed)), criteria
        ),
    }
    over: list[tuple[int, list[Defect]]] = []
    for severity, criterion in sorted(agreed.items()):
        if severity in (1, 2, 3):
            found[f"defects_agreed_max_sev{severity}"] = about(criterion.max_open or 0, [criterion])
        open_ones = [d for d in defects if d.severity == severity and d.status == is_open]
        if len(open_ones) > (criterion.max_open or 0):
            over.append((severity, open_ones))
    behind: list[Item] = [d for _, ones in over for d in ones]
    found["defects_over_agreed_tolerance"] = about(len(over), [*behind, *criteria])
    if over:
        found["defects_over_agreed_tolerance_detail"] = about(
            "; ".join(f"Severity {s}: {len(ones)} open, at most {agreed[s].max_open} agreed" for s, ones in over),
            [d for _, ones in over for d in ones],
        )
    return found


def _joined(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _who(issues: Sequence[TestingIssue]) -> str:
    """Name who accepted the issues' exceptions, each once and as the pack names them: "DCC", "DCC and CSP N"."""
    names = list(dict.fromkeys(i.exception.accepted_by.strip() for i in issues if i.exception is not None))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _per_phase(issues: Sequence[TestingIssue]) -> dict[str, int]:
    """Count the issues of each phase (a plain loop: a ``Counter`` is built in Python)."""
    counted: dict[str, int] = {}
    for issue in issues:
        counted[issue.phase_id] = counted.get(issue.phase_id, 0) + 1
    return counted


def _regression(
    phases: Sequence[TestPhase], excepted: Sequence[TestingIssue], requested: Sequence[TestingIssue]
) -> dict[str, Fact]:
    measured = [p for p in phases if p.regression and p.executed]
    if not measured:
        return {}
    excepted_by_phase = _per_phase(excepted)
    requested_by_phase = _per_phase(requested)
    passed = [100.0 * p.passed / p.executed for p in measured if p.passed is not None and p.executed]
    unexcepted = 0
    covered = 0
    asked = 0
    for phase in measured:
        executed = phase.executed or 0
        failures = executed - (phase.passed if phase.passed is not None else 0)
        covered_here = min(failures, excepted_by_phase.get(phase.id, 0))
        asked_here = min(failures - covered_here, requested_by_phase.get(phase.id, 0))
        covered += covered_here
        asked += asked_here
        unexcepted += failures - covered_here - asked_here
    ids = {p.id for p in measured}
    accepted_here = [i for i in excepted if i.phase_id in ids]
    requested_here = [i for i in requested if i.phase_id in ids]
    found = {
        "regression_failures_unexcepted": about(unexcepted, measured),
        "regression_failures_excepted": about(covered, accepted_here),
        "regression_failures_requested": about(asked, requested_here),
    }
    if covered:
        found["regression_exceptions_accepted_by"] = about(_who(accepted_here), accepted_here)
    if asked:
        found["regression_exceptions_requested_by"] = about(_who(requested_here), requested_here)
    if passed:
        found["regression_pass_rate"] = about(min(passed), measured)
    return found


_status = attrgetter("status")


def _defects(defects: Sequence[Defect]) -> dict[str, Fact]:
    by_severity: dict[int, list[Defect]] = defaultdict(list)
    # A pack may hold hundreds of thousands of defects: the open ones are picked out in C, then sorted by severity.
    for defect in compress(defects, map(DefectStatus.OPEN.__eq__, map(_status, defects))):
        by_severity[defect.severity].append(defect)
    found = {f"defects_open_sev{s}": count(by_severity[s]) for s in (1, 2, 3, 4)}
    found["defects_open_sev3_undated"] = count([d for d in by_severity[3] if d.fix_due is None])
    return found
