"""The committee workflow: group assessments, revocations, conditions to closure, the Panel's decision, the gate.

Each write takes its input as ``lsc_engine.committee.inputs`` defines it, already checked there (types,
lengths, printable and trimmed text), and checks only what needs the ruleset or the records. Every refusal
carries ``details`` naming what it is about (see ``lsc_engine.errors``): ``field``, the request body field
at fault, and the subject, such as the criterion and group, the condition or the decision in the way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from lsc_engine.committee.carrying import Reopened, StandingAssessments
from lsc_engine.committee.conditions import ConditionState, check_action
from lsc_engine.committee.gate import Assessment, DecisionSummary, Revocation, gate, with_confidentiality
from lsc_engine.committee.inputs import AssessmentIn, ConditionEventIn, ConditionIn, DecisionIn, RevocationIn
from lsc_engine.committee.register import Filters, Register
from lsc_engine.committee.snapshot import Snapshot
from lsc_engine.committee.snapshot import snapshot as build_snapshot
from lsc_engine.committee.timeline import Moment, VersionRecords, record_moments
from lsc_engine.committee.views import DecisionView, ReadinessView, RecordedRevocation
from lsc_engine.core.evaluation import Evaluation
from lsc_engine.core.evidence import ConditionKind, EvidencePack, Group
from lsc_engine.core.loading import read_stored_pack
from lsc_engine.core.rating import Rating
from lsc_engine.core.ruleset import Ruleset
from lsc_engine.errors import Conflict, InvalidAction, LscError, NotFound, Problem
from lsc_engine.services.register import classified, read_register
from lsc_engine.store.db import Database
from lsc_engine.store.models import Submission
from lsc_engine.store.repositories.conditions import Conditions
from lsc_engine.store.repositories.submissions import StoredEvaluation, Submissions, SubmissionSummary
from lsc_engine.store.transactions import Transaction, reading, writing


def _submission(submissions: Submissions, submission_id: str, *, pack: bool = False) -> Submission:
    """Return a stored submission, without its pack unless asked (the committee's records never read it); or raise.

    Within the same transaction a later ``get`` of one read without its pack returns that object, which still refuses
    its pack: a read that needs the pack (as ``decide`` does) asks for it first.
    """
    submission = submissions.get(submission_id) if pack else submissions.without_pack(submission_id)
    if submission is None:
        raise NotFound(f"no submission {submission_id}", details={"submission_id": submission_id})
    return submission


def _standing(tx: Transaction, submission: Submission) -> tuple[list[Assessment], list[Reopened]]:
    """Return a submission's assessments, with those carried from earlier versions, and the decisions reopened.

    Versions are walked oldest first; one with no decision of its own and none carried into it ends every chain,
    so only the versions since then are read.
    """
    current = StandingAssessments()  # kept by cell, so each version costs its cells, not every assessment before it
    reopened: list[Reopened] = []
    earlier: Evaluation | None = None
    for version, ident in tx.submissions.versions(submission.capability, through=submission.version):
        mine = tx.committee.assessments(ident)
        if not mine and not current:
            earlier, reopened = None, []
            continue
        history = [stored.evaluation for stored in tx.submissions.evaluations(ident)]
        mine = with_confidentiality(mine, history)
        latest = history[-1]
        if earlier is None or not current:
            current, reopened = StandingAssessments.of(mine), []
        else:
            reopened = current.carry(earlier, latest, mine, earlier_version=version - 1)
        earlier = latest
    return current.assessments(), reopened


def _proposals(tx: Transaction, submission_id: str) -> tuple[str, dict[tuple[str, Group], Rating]]:
    """Return the submission's newest evaluation's id and the rating it proposes for each cell."""
    _submission(tx.submissions, submission_id)
    stored = tx.submissions.latest_evaluation(submission_id)
    return stored.id, {(c.criterion, c.group): c.rating for c in stored.evaluation.ratings}


def _versions(tx: Transaction, capability: str) -> tuple[SubmissionSummary, list[tuple[int, str]]]:
    """Return a capability's newest version (no pack) and each version as (number, submission id), oldest first."""
    newest = tx.submissions.latest(capability)
    if newest is None:
        raise NotFound(f"no submission for capability {capability}", details={"capability": capability})
    return newest, tx.submissions.versions(capability, through=newest.version)


def _earlier_decision(tx: Transaction, submission: Submission) -> tuple[int, DecisionSummary] | None:
    """Return the Panel's standing decision on the latest earlier version that has one, with that version."""
    earlier = tx.submissions.versions(submission.capability, through=submission.version - 1)
    for version, ident in reversed(earlier):
        found = tx.committee.current_decision(ident)
        if found is not None:
            return version, found
    return None


def _twice(assessment: AssessmentIn) -> LscError:
    """Refuse a second decision on the same criterion in one request: which of them would count is unclear."""
    criterion, group = assessment.criterion, assessment.group.value
    return InvalidAction(
        f"{criterion} is decided more than once for {group} in one request",
        details={"field": "criterion", "criterion": criterion, "group": group},
    )


def _proposal_refusal(
    assessment: AssessmentIn, proposals: dict[tuple[str, Group], Rating], evaluation_id: str
) -> LscError | None:
    """Return why a decision cannot be recorded against the latest evaluation's proposal, if it cannot."""
    criterion, group, rating = assessment.criterion, assessment.group, Rating(assessment.rating)
    cell = {"criterion": criterion, "group": group.value}
    proposed = proposals.get((criterion, group))
    if proposed is None:  # evaluated under an earlier ruleset, whose catalogue had no such cell
        return Conflict(
            f"the latest evaluation, made under an earlier ruleset, does not rate {criterion} for "
            f"{group.value}; re-evaluate the submission first",
            details={"field": "criterion", **cell, "evaluation_id": evaluation_id},
        )
    if rating != proposed and assessment.rationale is None:
        return InvalidAction(
            f"overriding the proposed {proposed.value} with {rating.value} needs a written rationale",
            details={"field": "rationale", **cell, "proposed": proposed.value, "rating": rating.value},
        )
    return None


def _refused(refusals: list[tuple[int, LscError]]) -> LscError:
    """Return the first refusal of a request, naming every refused decision by its place when there are several."""
    first = refusals[0][1]
    if len(refusals) > 1:
        first.problems = [
            Problem(f"[{index}].{refusal.details.get('field', 'criterion')}", refusal.message)
            for index, refusal in refusals
        ]
    return first


@dataclass(frozen=True)
class CapabilityRecords:
    """A capability's newest version and evaluation, what its records say in date order, and its last decision."""

    newest: SubmissionSummary
    evaluation: StoredEvaluation
    moments: list[Moment]
    last_decision: DecisionView | None


def _last_decision(versions: list[VersionRecords]) -> DecisionView | None:
    """Return the Panel's latest decision in force on any version: the last meeting's."""
    standing = [d for v in versions for d in v.decisions if d.superseded_by is None]
    return max(standing, key=lambda d: (d.considered_on, d.recorded_at), default=None)


def _condition(register: Conditions, condition_id: str, today: date) -> ConditionState:
    condition = register.get(condition_id, today=today)
    if condition is None:
        raise NotFound(f"no condition {condition_id}", details={"condition_id": condition_id})
    return condition


class Committee:
    """Everything the sub-committees and the Panel record; every write audited in its own transaction."""

    def __init__(self, database: Database, ruleset: Ruleset, *, clock: Callable[[], datetime] | None = None) -> None:
        self.database = database
        self.ruleset = ruleset
        self._clock = clock or (lambda: datetime.now(UTC))

    def _today(self) -> date:
        return self._clock().date()

    # -- reading -----------------------------------------------------------------------------------

    def assessments(self, submission_id: str) -> list[Assessment]:
        """Return a submission's assessments, oldest first (the last per criterion and group counts).

        Decisions carried forward from the capability's earlier versions come last, each naming its version.
        """
        with reading(self.database) as tx:
            return _standing(tx, _submission(tx.submissions, submission_id))[0]

    def last_assessor(self, actor: str) -> str | None:
        """Return the assessor's name this caller gave last, to offer it again on the next assessment."""
        with reading(self.database) as tx:
            return tx.committee.last_assessor(actor)

    def revocations(self, submission_id: str, *, group: Group | None = None) -> list[RecordedRevocation]:
        """Return the revocations of a submission, or of one group, oldest first, with when each was recorded."""
        with reading(self.database) as tx:
            _submission(tx.submissions, submission_id)
            return tx.committee.revocations(submission_id, group=group)

    def conditions(self, capability: str) -> list[ConditionState]:
        """Return a capability's conditions with their status and history."""
        with reading(self.database) as tx:
            return classified(tx, capability, tx.conditions.of_capability(capability, today=self._today()))

    def condition(self, condition_id: str) -> ConditionState:
        """Return one condition."""
        with reading(self.database) as tx:
            found = _condition(tx.conditions, condition_id, self._today())
            return classified(tx, found.capability, [found])[0]

    def register(self, filters: Filters) -> Register:
        """Return the programme-wide register of conditions as at today, filtered."""
        return read_register(self.database, filters=filters, today=self._today())

    def readiness(self, capability: str) -> ReadinessView:
        """Return the capability's current position and whether it may go live, or start migration, now."""
        with reading(self.database) as tx:
            newest = tx.submissions.newest_of([capability]).get(capability)
            if newest is None:
                raise NotFound(f"no submission for capability {capability}", details={"capability": capability})
        return self.position(newest)

    def position(self, submission_id: str) -> ReadinessView:
        """Return the gate as it stands for one submission (the capability's newest or an earlier version)."""
        with reading(self.database) as tx:
            submission = _submission(tx.submissions, submission_id)
            stored = tx.submissions.latest_evaluation(submission.id)
            assessments, reopened = _standing(tx, submission)
            revocations = [
                Revocation(id=r.id, group=r.group, reason=r.reason, actor=r.actor)
                for r in tx.committee.revocations(submission.id)
            ]
            decision = tx.committee.current_decision(submission.id)
            earlier = None if decision is not None else _earlier_decision(tx, submission)
            conditions = classified(
                tx, submission.capability, tx.conditions.of_capability(submission.capability, today=self._today())
            )
        evaluation = stored.evaluation
        result = gate(
            evaluation,
            assessments=assessments,
            revocations=revocations,
            decision=decision,
            conditions=conditions,
            earlier=earlier,
        )
        return ReadinessView(
            capability=submission.capability,
            submission_id=submission.id,
            version=submission.version,
            evaluation_id=stored.id,
            as_at=evaluation.as_at,
            ruleset_digest=evaluation.ruleset_digest,
            gate=result,
            conditions=conditions,
            revocations=revocations,
            decision=decision,
            reopened=reopened,
        )

    def timeline(self, capability: str) -> CapabilityRecords:
        """Return what was recorded on a capability, version by version, and its conditions, for its timeline."""
        with reading(self.database) as tx:
            newest, numbered = _versions(tx, capability)
            versions = []
            for version, ident in numbered:
                submission = _submission(tx.submissions, ident)
                stored = tx.submissions.evaluations(ident)
                versions.append(
                    VersionRecords(
                        version=version,
                        submission_id=ident,
                        received_at=submission.received_at,
                        evaluations=[(e.number, e.reason, e.created_at, e.evaluation) for e in stored],
                        assessments=tx.committee.assessments(ident),
                        revocations=tx.committee.revocations(ident),
                        decisions=(decisions := tx.committee.decisions(ident)),
                        letters=[letter for d in decisions for letter in tx.letters.of_decision(d.id)],
                    )
                )
            conditions = classified(tx, capability, tx.conditions.of_capability(capability, today=self._today()))
            latest = tx.submissions.latest_evaluation(newest.id)
        provisional = frozenset(c.id for c in latest.evaluation.conditions if c.provisional)
        carried = {c.id: c.carried_over_since for c in latest.evaluation.conditions if c.carried_over_since}
        return CapabilityRecords(
            newest=newest,
            evaluation=latest,
            moments=record_moments(versions, conditions, provisional, carried),
            last_decision=_last_decision(versions),
        )

    def capability_decisions(self, capability: str) -> list[DecisionView]:
        """Return every decision recorded on any version of a capability, oldest version first."""
        with reading(self.database) as tx:
            _, versions = _versions(tx, capability)
            return [decision for _, ident in versions for decision in tx.committee.decisions(ident)]

    def decision(self, decision_id: str) -> DecisionView:
        """Return a recorded decision."""
        with reading(self.database) as tx:
            found = tx.committee.decision(decision_id)
        if found is None:
            raise NotFound(f"no decision {decision_id}", details={"decision_id": decision_id})
        return found

    def decisions(self, submission_id: str) -> list[DecisionView]:
        """Return every decision recorded on a submission, oldest first."""
        with reading(self.database) as tx:
            _submission(tx.submissions, submission_id)
            return tx.committee.decisions(submission_id)

    # -- writing -----------------------------------------------------------------------------------

    def assess(self, submission_id: str, assessment: AssessmentIn, *, actor: str) -> Assessment:
        """Record a group's decision on a criterion: confirm the proposal, or override it with a rationale."""
        return self.assess_all(submission_id, [assessment], actor=actor)[0]

    def assess_all(self, submission_id: str, assessments: list[AssessmentIn], *, actor: str) -> list[Assessment]:
        """Record decisions on several criteria at once: all of them, each audited, or none if any is refused.

        Every decision is checked before any is written. The first refusal is raised as ``assess`` would raise
        it; when more than one decision is refused, its ``problems`` name each, at ``[index].field``.
        """
        refusals = [(i, refusal) for i, a in enumerate(assessments) if (refusal := self._cell_refusal(a))]
        seen: set[tuple[str, Group]] = set()
        for index, assessment in enumerate(assessments):
            cell = (assessment.criterion, assessment.group)
            if cell in seen:
                refusals.append((index, _twice(assessment)))
            seen.add(cell)
        # The evaluation proposing the ratings is read before the audit chain's head is locked (a large one takes
        # half a second), and again under it only if anything has been written since.
        with reading(self.database) as tx:
            before = tx.head()
            evaluation_id, proposals = _proposals(tx, submission_id)
        with writing(self.database) as tx:
            if tx.head() != before:
                evaluation_id, proposals = _proposals(tx, submission_id)
            checked = {index for index, _ in refusals}
            refusals += [
                (index, refusal)
                for index, assessment in enumerate(assessments)
                if index not in checked and (refusal := _proposal_refusal(assessment, proposals, evaluation_id))
            ]
            if refusals:
                raise _refused(sorted(refusals, key=lambda pair: pair[0]))
            return [
                tx.committee.add_assessment(
                    submission_id,
                    evaluation_id=evaluation_id,
                    criterion=assessment.criterion,
                    group=assessment.group,
                    accepted=assessment.accepted,
                    proposed=proposals[(assessment.criterion, assessment.group)],
                    rating=Rating(assessment.rating),
                    assessor=assessment.assessor,
                    rationale=assessment.rationale,
                    actor=actor,
                    at=self._clock(),
                )
                for assessment in assessments
            ]

    def _cell_refusal(self, assessment: AssessmentIn) -> LscError | None:
        """Return why a decision cannot be recorded whatever the evidence: a cell not rated, or red and accepted."""
        criterion, group, rating = assessment.criterion, assessment.group, Rating(assessment.rating)
        cell = {"criterion": criterion, "group": group.value}
        if (criterion, group) not in {(c.id, g) for c, g in self.ruleset.catalogue.cells}:
            now = self.ruleset.catalogue.current_id(criterion)
            became = f" ({criterion} is now {now})" if now != criterion else ""
            return InvalidAction(
                f"{group.value} does not rate {criterion}{became}", details={"field": "criterion", **cell}
            )
        if assessment.accepted and rating == Rating.RED:
            return InvalidAction(
                "a group cannot accept DCC's statement and rate the criterion red",
                details={"field": "accepted", **cell, "accepted": True, "rating": rating.value},
            )
        return None

    def revoke(self, submission_id: str, revocation: RevocationIn, *, actor: str) -> Revocation:
        """Record a group withdrawing its recommendation; readiness changes at once."""
        with writing(self.database) as tx:
            _submission(tx.submissions, submission_id)
            recorded = tx.committee.add_revocation(
                submission_id, group=revocation.group, reason=revocation.reason, actor=actor, at=self._clock()
            )
        return Revocation(id=recorded.id, group=recorded.group, reason=recorded.reason, actor=recorded.actor)

    def add_condition(self, condition: ConditionIn, *, actor: str) -> ConditionState:
        """Add a condition by hand (a group or the Panel), to a capability that has a submission."""
        capability = condition.capability
        known = {c.id for c in self.ruleset.catalogue.criteria}
        unknown = [c for c in condition.criteria if c not in known]
        if unknown:
            raise InvalidAction(
                "a condition names one or more known criteria", details={"field": "criteria", "unknown": unknown}
            )
        with writing(self.database) as tx:
            latest = tx.submissions.newest_of([capability]).get(capability)  # its id: the pack is not read
            if latest is None:
                raise NotFound(
                    f"no submission for capability {capability}",
                    details={"field": "capability", "capability": capability},
                )
            taken = tx.conditions.keys(capability)
            key = condition.key or f"manual-{len(taken) + 1}"
            if key in taken:
                raise Conflict(
                    f"{capability} already has a condition {key}",
                    details={"field": "key", "key": key, "capability": capability},
                )
            return tx.conditions.add(
                capability,
                key=key,
                kind=ConditionKind(condition.kind),
                owner=condition.owner,
                criteria=list(condition.criteria),
                text=condition.text,
                due=condition.due,
                due_date=condition.due_date,
                report_every_days=condition.report_every_days,
                submission_id=latest,
                confidential=condition.confidential,
                actor=actor,
                at=self._clock(),
            )

    def act(self, condition_id: str, event: ConditionEventIn, *, actor: str) -> ConditionState:
        """Satisfy, waive, breach, report on, arm, trigger or clear a condition, if its state allows."""
        with writing(self.database) as tx:
            now = self._clock()
            state = _condition(tx.conditions, condition_id, now.date())
            on = event.on or now.date()
            if on > now.date():  # a report or a satisfaction recorded for a day to come would silence what is due
                raise InvalidAction(
                    f"an event speaks for a day that has come; {on} is after today ({now.date()})",
                    details={"field": "on", "condition": condition_id, "on": on.isoformat()},
                )
            check_action(
                state.kind,
                state.status,
                state.pause,
                event.action,
                evidence=event.evidence,
                rationale=event.rationale,
                approver=event.approver,
                condition=condition_id,
            )
            return tx.conditions.add_event(
                state,
                event.action,
                on=on,
                evidence=event.evidence,
                rationale=event.rationale,
                approver=event.approver,
                actor=actor,
                at=now,
            )

    def decide(self, submission_id: str, decision: DecisionIn, *, actor: str) -> DecisionView:
        """Record the Panel's decision; deciding again needs ``supersedes`` naming the decision it corrects.

        What it records is read and built before the audit chain's head is locked: a large capability's pack and
        evaluations take seconds to read, and every other write would wait for them. Under the head it is recorded
        as built if nothing has been written since, and read and built again otherwise (but the pack, which never
        changes). A refusal is always checked under the head: the refusals come before the slow reads.
        """
        with reading(self.database) as tx:
            seen = tx.head()
            pack = read_stored_pack(_submission(tx.submissions, submission_id, pack=True).pack)
            try:
                built: tuple[str, Snapshot] | None = self._decision(tx, submission_id, decision, pack)
            except LscError:  # on PostgreSQL each read sees its own moment: a refusal is given under the head only
                built = None
        with writing(self.database) as tx:
            if built is None or tx.head() != seen:
                built = self._decision(tx, submission_id, decision, pack)
            evaluation_id, snapshot = built
            return tx.committee.add_decision(
                submission_id,
                evaluation_id=evaluation_id,
                outcome=decision.outcome,
                considered_on=decision.considered_on,
                supersedes=decision.supersedes,
                snapshot=snapshot,
                actor=actor,
                at=self._clock(),
            )

    def _decision(
        self, tx: Transaction, submission_id: str, decision: DecisionIn, pack: EvidencePack
    ) -> tuple[str, Snapshot]:
        """Check a decision against the records and build its snapshot; return it with the evaluation decided on."""
        outcome, supersedes, condition_ids = decision.outcome, decision.supersedes, decision.condition_ids
        submission = _submission(tx.submissions, submission_id)
        current = tx.committee.current_decision(submission_id)
        if current is not None and supersedes != current.id:
            raise Conflict(
                "the Panel has already decided on this submission; a correction must supersede that decision",
                details={"field": "supersedes", "current_decision": current.id, "supersedes": supersedes},
            )
        if current is None and supersedes is not None:
            raise Conflict(
                "there is no current decision to supersede",
                details={"field": "supersedes", "current_decision": None, "supersedes": supersedes},
            )
        conditions = classified(
            tx, submission.capability, tx.conditions.of_capability(submission.capability, today=self._today())
        )
        if condition_ids is None:
            attached = [c for c in conditions if c.is_open]
        else:
            by_id = {c.id: c for c in conditions}
            missing = [ident for ident in condition_ids if ident not in by_id]
            if missing:
                raise InvalidAction(
                    f"conditions not on {submission.capability}: {', '.join(missing)}",
                    details={"field": "condition_ids", "unknown": missing, "capability": submission.capability},
                )
            attached = [by_id[ident] for ident in condition_ids]
        if outcome == "recommend_with_conditions" and not attached:
            raise InvalidAction(
                "a recommendation with conditions needs at least one condition",
                details={"field": "condition_ids", "outcome": outcome},
            )
        if outcome == "recommend" and attached:
            raise InvalidAction(
                "conditions are attached: the outcome is recommend_with_conditions",
                details={
                    "field": "outcome",
                    "outcome": outcome,
                    "suggested": "recommend_with_conditions",
                    "attached": [c.id for c in attached],
                },
            )
        stored = tx.submissions.latest_evaluation(submission_id)
        assessments = _standing(tx, submission)[0]
        snapshot = build_snapshot(
            submission,
            pack,
            stored.evaluation,
            assessments,
            attached,
            outcome,
            decision.considered_on,
            decision.notes,
            stored.id,
        )
        return stored.id, snapshot
