"""Business continuity and disaster recovery facts (OPSG): the plan, what it covers, and the latest test."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from datetime import date

from lsc_engine.core.days import shift
from lsc_engine.core.evidence import EvidencePack
from lsc_engine.core.facts.base import Change, Declared, Fact, Parameters, Section, about, reached
from lsc_engine.core.facts.known import Known

_PLAN = ("bcdr.plan",)
_COVER = ("bcdr.plan", "bcdr.required_providers")
_TESTS = ("bcdr.tests",)


class BcdrFacts(Section):
    """Facts of the BCDR section: only the latest test's age changes with the date, by one a day."""

    declared = (
        Declared("bcdr_plan_published", "whether the BCDR plan is published", _PLAN),
        Declared("bcdr_plan_revision_pending", "whether a promised revision of the plan is unpublished", _PLAN),
        Declared("bcdr_plan_revision", "the promised revision", _PLAN),
        Declared("bcdr_uncovered_providers", "required providers the published plan does not cover", _COVER),
        Declared("bcdr_uncovered_provider_names", "their names", _COVER),
        Declared("bcdr_last_test_result", "result of the latest BCDR test", _TESTS),
        Declared("bcdr_last_test_age_days", "days since the latest BCDR test", _TESTS, Change.DAILY),
    )

    def __init__(self, pack: EvidencePack, parameters: Parameters, known: Known) -> None:
        super().__init__(pack, parameters, known)
        bcdr = pack.bcdr
        self._plan = known.item(bcdr.plan, "bcdr.plan") if bcdr else None
        tests = known.items(bcdr.tests, "bcdr.tests") if bcdr else ()
        self._last = max(tests, key=lambda t: (t.date, t.id), default=None)

    def facts(self, as_at: date) -> dict[str, Fact]:
        """Derive the BCDR facts as at a date: the latest test is a day older each day."""
        bcdr = self.pack.bcdr
        if bcdr is None:
            return {}
        found: dict[str, Fact] = {}
        plan = self._plan
        if plan is not None:
            found["bcdr_plan_published"] = about(plan.published, [plan])
            found["bcdr_plan_revision_pending"] = about(plan.pending_revision is not None, [plan])
            if plan.pending_revision is not None:
                found["bcdr_plan_revision"] = about(plan.pending_revision, [plan])
            covered = {name.casefold() for name in plan.covers_providers} if plan.published else set()
            missing = [name for name in bcdr.required_providers if name.casefold() not in covered]
            found["bcdr_uncovered_providers"] = about(len(missing), [plan])
            if missing:
                found["bcdr_uncovered_provider_names"] = about(", ".join(missing), [plan])
        last = self._last
        if last is not None:
            found["bcdr_last_test_result"] = about(last.result.value, [last])
            found["bcdr_last_test_age_days"] = about((as_at - last.date).days, [last])
        return found

    def change_dates(
        self, after: date, until: date, names: Set[str], reaching: Mapping[str, Iterable[float]]
    ) -> set[date]:
        """Return the days on which the latest test's age reaches a number a rule compares it with."""
        if not names & self.dated or self._last is None:
            return set()
        ages = reached(reaching.get("bcdr_last_test_age_days", ()))
        return {shift(self._last.date, age) for age in ages}
