"""Confidential evidence kept in its lane: what a caller may not see is replaced, what they may see is noted.

An item flagged confidential belongs to the groups owning the criteria that read its section of the pack
(the catalogue's ``sections``); a finding, assessment, annex entry or view of the residual risks belongs
to its cell's group; a condition to its owner. The owners and the Panel see everything; everyone else sees
that something was withheld and from whom, never what. Every value that can carry confidential content says so itself (a
flag, and whose it is), so that ``Redactor.view`` can redact any response or page context by its types
alone; the API's routes and the pages' rendering pass everything they send through it, and nothing else
redacts. The redactor also collects the ids of the confidential things it did show, so that the
disclosure is recorded.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from msgspec import structs
from pydantic import BaseModel

from lsc_engine.access.policy import Principal, Role, sees_confidential
from lsc_engine.committee.conditions import ConditionState, Event
from lsc_engine.committee.gate import Assessment, CellDecision, GateResult
from lsc_engine.committee.gate import Blocker as GateBlocker
from lsc_engine.committee.letter_text import ConfidentialAppendix
from lsc_engine.committee.register import Entry as RegisterEntry
from lsc_engine.committee.snapshot import AnnexEntry, AttachedCondition, Cited, HeldBack, ResidualView, Snapshot
from lsc_engine.committee.views import DecisionView, ReadinessView
from lsc_engine.core.diff import Diff, RatingChange
from lsc_engine.core.document import PackDocument
from lsc_engine.core.evaluation import (
    RESIDUAL_RISKS,
    Blocker,
    CellRating,
    CohortScope,
    Condition,
    Evaluation,
    Finding,
    PathToGreen,
    ScopeDmc,
    ScopeEvidence,
    ScopeHeldBack,
)
from lsc_engine.core.evidence import EvidencePack, Group
from lsc_engine.core.sections import LISTS, SINGLES

Cell = tuple[str, Group]
T = TypeVar("T")


def in_evaluation(ref: str, evaluation_id: str) -> str:
    """Name a confidential thing as shown from one evaluation (``LSC10.4/SSC@<evaluation id>``), for the record."""
    return f"{ref}@{evaluation_id}"


def evaluation_of(ref: str) -> str | None:
    """Return the evaluation a disclosed thing was shown from, if its name gives one (no item id holds an "@")."""
    _, at, evaluation_id = ref.rpartition("@")
    return evaluation_id if at else None


def withheld(owners: Iterable[Group]) -> str:
    """Say what stands in place of confidential text."""
    names = " and ".join(sorted(group.value for group in owners)) or "its owners"
    return f"[confidential: shown to {names} and the Panel]"


@dataclass
class Redactor:
    """Redact views for one caller; ``disclosed`` collects the confidential ids the caller was shown."""

    principal: Principal
    section_owners: dict[str, frozenset[Group]]
    disclosed: set[str] = field(default_factory=set)

    @property
    def sees_all(self) -> bool:
        """Tell whether nothing is withheld from this caller (the Panel)."""
        return self.principal.role == Role.PANEL

    def sees(self, owners: Collection[Group]) -> bool:
        """Tell whether the caller may see something owned by any of these groups (the Panel sees everything)."""
        return self.sees_all or any(sees_confidential(self.principal, group) for group in owners)

    def view(self, value: T) -> T:
        """Return what the caller may be shown of a value: every confidential part they may not see withheld.

        Each kind of value that can carry confidential content is redacted by its own rule; lists, tuples,
        mappings and any other model are walked, so that such a value is found wherever it is nested.
        """
        return cast(T, self._view(value))

    def _view(self, value: object) -> object:
        for kind in type(value).__mro__:
            handler = _HANDLERS.get(kind)
            if handler is not None:
                return handler(self, value)
        if isinstance(value, list | tuple):
            shown = [self._view(item) for item in value]
            if all(new is old for new, old in zip(shown, value, strict=True)):
                return value
            return shown if isinstance(value, list) else tuple(shown)
        if isinstance(value, dict):
            changed = {key: new for key, item in value.items() if (new := self._view(item)) is not item}
            return {**value, **changed} if changed else value
        if isinstance(value, BaseModel):
            updates = {
                name: new
                for name in type(value).model_fields
                if (new := self._view(old := getattr(value, name))) is not old
            }
            return value.model_copy(update=updates) if updates else value
        return value

    def _shown(self, ref: str, owners: Collection[Group]) -> bool:
        if self.sees(owners):
            self.disclosed.add(ref)
            return True
        return False

    def evaluation(self, evaluation: Evaluation) -> Evaluation:
        """Withhold the messages, evidence and conditions that rest on evidence the caller may not see."""
        hidden: set[Cell] = set()
        ratings = [self._cell(cell, hidden) for cell in evaluation.ratings]
        conditions = [self._condition(condition) for condition in evaluation.conditions]
        owners = {condition.id: condition.owner for condition in evaluation.conditions}
        blockers = evaluation.blockers.model_copy(
            update={
                "go_live": [self._blocker(b, owners) for b in evaluation.blockers.go_live],
                "migration": [self._blocker(b, owners) for b in evaluation.blockers.migration],
            }
        )
        paths = [self._path(path, hidden) for path in evaluation.path_to_green]
        secret = set(evaluation.confidential_evidence)
        excluded = [e for e in evaluation.excluded_evidence if e.id not in secret or self._section_visible(e.path)]
        shown = {
            item for cell in ratings for finding in cell.findings if finding.confidential for item in finding.evidence
        }
        return evaluation.model_copy(
            update={
                "scope": self._scope(evaluation.scope),
                "ratings": ratings,
                "conditions": conditions,
                "blockers": blockers,
                "path_to_green": paths,
                "excluded_evidence": excluded,
                "confidential_evidence": [i for i in evaluation.confidential_evidence if self.sees_all or i in shown],
            }
        )

    def _scope(self, scope: CohortScope | None) -> CohortScope | None:
        """Withhold the names, counts, reasons and evidence of confidential DMCs, exclusions and defects."""
        if scope is None:
            return None
        return scope.model_copy(
            update={
                "covered": [self._scope_dmc(dmc) for dmc in scope.covered],
                "held_back": [self._held_back(held) for held in scope.held_back],
            }
        )

    def _scope_dmc(self, dmc: ScopeDmc) -> ScopeDmc:
        owners = self.section_owners.get("scope.dmcs", frozenset())
        if not dmc.confidential or self._shown(dmc.id, owners):
            return dmc
        evidence = self._scope_evidence(dmc.evidence)
        return structs.replace(dmc, name=withheld(owners), meters=None, evidence=evidence)

    def _scope_evidence(self, evidence: ScopeEvidence) -> ScopeEvidence:
        owners = self.section_owners.get(evidence.section, frozenset())
        if not evidence.confidential or self._shown(evidence.id, owners):
            return evidence
        return structs.replace(evidence, text=withheld(owners))

    def _held_back(self, held: ScopeHeldBack) -> ScopeHeldBack:
        owners = self.section_owners.get("scope.exclusions", frozenset())
        shown = not held.confidential or self._shown(held.id, owners)
        return held.model_copy(
            update={
                "dmcs": [self._scope_dmc(dmc) for dmc in held.dmcs],
                "reason": held.reason if shown else withheld(owners),
                "evidence": [self._scope_evidence(evidence) for evidence in held.evidence],
            }
        )

    def _section_visible(self, path: str) -> bool:
        """Tell whether the caller may see a confidential item at this JSON path (``section`` or ``section[i]``)."""
        return self.sees(self.section_owners.get(path.split("[", 1)[0], frozenset()))

    def _cell(self, cell: CellRating, hidden: set[Cell]) -> CellRating:
        if not any(finding.confidential for finding in cell.findings):
            return cell
        if self.sees([cell.group]):
            for finding in cell.findings:
                if finding.confidential:
                    self.disclosed.update(finding.evidence or [finding.rule_id])
            return cell
        hidden.add((cell.criterion, cell.group))
        return structs.replace(cell, findings=[self._finding(f, cell.group) for f in cell.findings])

    @staticmethod
    def _finding(finding: Finding, group: Group) -> Finding:
        if not finding.confidential:
            return finding
        return structs.replace(finding, message=withheld([group]), evidence=[])

    def _condition(self, condition: Condition) -> Condition:
        if not condition.confidential or self._shown(condition.id, [condition.owner]):
            return condition
        note = withheld([condition.owner])
        # The earlier decision it comes from goes with its text: the pack states both in the same item.
        return condition.model_copy(update={"text": note, "due": note, "origin": None})

    def _blocker(self, blocker: Blocker, condition_owners: dict[str, Group]) -> Blocker:
        if not blocker.confidential:
            return blocker
        if blocker.kind == "condition":
            owner = condition_owners.get(blocker.ref)
            owners = [owner] if owner else []
        else:
            owners = [Group(blocker.ref.rsplit("/", 1)[-1])]
        if self.sees(owners):
            return blocker
        return structs.replace(blocker, reason=f"{blocker.ref}: {withheld(owners)}")

    def _path(self, path: PathToGreen, hidden: set[Cell]) -> PathToGreen:
        if (path.criterion, path.group) not in hidden:
            return path
        return structs.replace(path, actions=[withheld([path.group])])

    def pack(self, document: PackDocument) -> PackDocument:
        """Replace each confidential item of a stored pack the caller may not see by a stub naming its owners."""
        original = document.root
        result = copy.copy(original)
        twins = document.confidential_conditions
        for section in (*LISTS, *SINGLES, "earlier_conditions"):
            *parents, name = section.split(".")
            holder: Any = result
            for parent in parents:
                value = holder.get(parent) if isinstance(holder, dict) else None
                if not isinstance(value, dict):
                    holder = None
                    break
                holder[parent] = value = copy.copy(value)
                holder = value
            if not isinstance(holder, dict) or holder.get(name) is None:
                continue
            value = holder[name]
            if isinstance(value, list):
                holder[name] = [self._item(section, item, twins) for item in value]
            else:
                holder[name] = self._item(section, value, twins)
        return PackDocument.of(result, confidential_conditions=twins)

    def visible_pack(self, pack: EvidencePack) -> EvidencePack:
        """Leave out of a parsed pack's lists the confidential items the caller may not see (for drawing)."""
        if self.sees_all:
            return pack
        updates: dict[str, Any] = {}
        for section in LISTS:
            *parents, name = section.split(".")
            holder: Any = getattr(pack, parents[0]) if parents else pack
            items = getattr(holder, name, None) if holder is not None else None
            if not items:
                continue
            owners = self.section_owners.get(section, frozenset())
            kept = [item for item in items if not item.confidential or self.sees(owners)]
            if len(kept) == len(items):
                continue
            if parents:
                changed = updates.get(parents[0], holder).model_copy(update={name: kept})
                updates[parents[0]] = changed
            else:
                updates[name] = kept
        return pack.model_copy(update=updates) if updates else pack

    def _item(self, section: str, item: Any, twins: frozenset[str]) -> Any:
        if not isinstance(item, dict):
            return item
        if section == "earlier_conditions":
            if item.get("confidential") is not True and item.get("key") not in twins:
                return item
            owner = item.get("owner")
            owners: Collection[Group] = [Group(owner)] if owner in {group.value for group in Group} else []
        elif item.get("confidential") is not True:
            return item
        else:
            owners = self.section_owners.get(section, frozenset())
        if self._shown(str(item.get("id")), owners):
            return item
        return {"id": item.get("id"), "confidential": True, "withheld": withheld(owners)}

    def conditions(self, conditions: list[ConditionState]) -> list[ConditionState]:
        """Withhold the text, due point and history notes of confidential conditions."""
        return [self.condition(condition) for condition in conditions]

    def condition(self, condition: ConditionState) -> ConditionState:
        """Withhold one confidential condition's text, due point and history notes unless the caller may see it."""
        if not condition.confidential or self._shown(condition.id, [condition.owner]):
            return condition
        note = withheld([condition.owner])
        history = [self._event(event, note) for event in condition.history]
        return condition.model_copy(
            update={
                "text": note,
                "due": note,
                "history": history,
                "reports": [event for event in history if event.action == "report"],
            }
        )

    def register_entry(self, entry: RegisterEntry) -> RegisterEntry:
        """Withhold a confidential condition on the register: its text, due point, history notes and origin."""
        condition = self.condition(entry.condition)
        if condition is entry.condition:
            return entry
        # The earlier decision it comes from goes with its text, as it does from the evaluation's copy.
        origin = withheld([condition.owner]) if entry.origin else None
        return entry.model_copy(update={"condition": condition, "origin": origin})

    @staticmethod
    def _event(event: Event, note: str) -> Event:
        return event.model_copy(
            update={
                "evidence": note if event.evidence else None,
                "rationale": note if event.rationale else None,
            }
        )

    def readiness(self, view: ReadinessView) -> ReadinessView:
        """Withhold the confidential parts of a capability's readiness: its conditions and its gate's reasons."""
        return view.model_copy(update={"conditions": self.conditions(view.conditions), "gate": self.gate(view.gate)})

    def decision(self, view: DecisionView) -> DecisionView:
        """Withhold the confidential parts of a recorded decision (its snapshot, and so its letter)."""
        return view.model_copy(update={"snapshot": self.snapshot(view.snapshot)})

    def gate(self, gate: GateResult) -> GateResult:
        """Withhold the reasons of confidential condition blockers and the rationales of confidential cells."""
        return gate.model_copy(
            update={
                "ratings": [self._cell_decision(cell) for cell in gate.ratings],
                "go_live": gate.go_live.model_copy(update={"blockers": self._gate_blockers(gate.go_live.blockers)}),
                "migration": gate.migration.model_copy(
                    update={"blockers": self._gate_blockers(gate.migration.blockers)}
                ),
            }
        )

    def _cell_decision(self, cell: CellDecision) -> CellDecision:
        if (
            not cell.confidential
            or not cell.rationale
            or self._shown(f"{cell.criterion}/{cell.group.value}", [cell.group])
        ):
            return cell
        return cell.model_copy(update={"rationale": withheld([cell.group])})

    def _gate_blockers(self, blockers: list[GateBlocker]) -> list[GateBlocker]:
        result = []
        for blocker in blockers:
            owners = [blocker.owner] if blocker.owner else []
            if blocker.confidential and not self.sees(owners):
                blocker = blocker.model_copy(update={"reason": f"{blocker.ref}: {withheld(owners)}"})
            result.append(blocker)
        return result

    def assessments(self, assessments: list[Assessment]) -> list[Assessment]:
        """Withhold the rationale of assessments of cells that rest on evidence the caller may not see."""
        return [self.assessment(a) for a in assessments]

    def assessment(self, assessment: Assessment) -> Assessment:
        """Withhold one assessment's rationale if its cell rests on evidence the caller may not see."""
        if not assessment.confidential or not assessment.rationale:
            return assessment
        if self._shown(f"{assessment.criterion}/{assessment.group.value}", [assessment.group]):
            return assessment
        return assessment.model_copy(update={"rationale": withheld([assessment.group])})

    def diff(self, diff: Diff) -> Diff:
        """Withhold the explanations of changes to cells that rest on evidence the caller may not see.

        A change shown is noted as disclosed for each evaluation compared (``in_evaluation``): the two may be of
        different versions of the pack, and each is recorded under its own.
        """
        both = (diff.before.evaluation_id, diff.after.evaluation_id)

        def shown(change: RatingChange, sides: tuple[str, ...]) -> bool:
            cell = f"{change.criterion}/{change.group.value}"
            return all([self._shown(in_evaluation(cell, side), [change.group]) for side in sides])

        def hide(changes: list[RatingChange], sides: tuple[str, ...]) -> list[RatingChange]:
            return [
                c.model_copy(update={"explanation": f"{c.criterion}/{c.group.value} changed: {withheld([c.group])}"})
                if c.confidential and not shown(c, sides)
                else c
                for c in changes
            ]

        return diff.model_copy(
            update={
                "changes": hide(diff.changes, both),
                # An override's rationale is the later side's assessment: nothing of the earlier side is shown.
                "overrides": hide(diff.overrides, (diff.after.evaluation_id,)),
                "revised": hide(diff.revised, both),
            }
        )

    def apart(self) -> Redactor:
        """Return a redactor for the same caller that collects its own disclosures (for one part of a view)."""
        return Redactor(self.principal, self.section_owners)

    def compared(self, evaluation: Evaluation, evaluation_id: str) -> Evaluation:
        """Redact an evaluation shown as one side of a comparison, naming what it discloses with its id."""
        apart = self.apart()
        redacted = apart.evaluation(evaluation)
        self.disclosed.update(in_evaluation(item, evaluation_id) for item in apart.disclosed)
        return redacted

    def snapshot(self, snapshot: Snapshot) -> Snapshot:
        """Withhold the confidential parts of a decision's snapshot (and so of its letter)."""
        annex = {
            group: [self._annex_entry(entry, group) for entry in entries] for group, entries in snapshot.annex.items()
        }
        conditions = [self._attached(condition) for condition in snapshot.conditions]
        owners = self.section_owners.get("residual_risks", frozenset())
        note = withheld(owners)
        risks = [
            risk.model_copy(
                update={
                    "description": note,
                    "mitigation": note if risk.mitigation else None,
                    "accepted_by": note if risk.accepted_by else None,
                }
            )
            if risk.confidential and not self._shown(risk.id, owners)
            else risk
            for risk in snapshot.residual_risks
        ]
        owners = self.section_owners.get("scope.dmcs", frozenset())
        dmcs = [
            dmc.model_copy(update={"name": withheld(owners)})
            if dmc.confidential and not self._shown(dmc.id, owners)
            else dmc
            for dmc in snapshot.dmcs
        ]
        held_back = [self._held_back_part(held) for held in snapshot.held_back]
        residual = snapshot.residual_assessments
        return snapshot.model_copy(
            update={
                "annex": annex,
                "conditions": conditions,
                "residual_risks": risks,
                "held_back": held_back,
                "dmcs": dmcs,
                "residual_assessments": None if residual is None else [self._residual(view) for view in residual],
            }
        )

    def _held_back_part(self, held: HeldBack) -> HeldBack:
        owners = self.section_owners.get("scope.exclusions", frozenset())
        evidence = [self._cited(cited) for cited in held.evidence]
        # An exclusion carries no id into the snapshot: its disclosure is recorded as "held_back".
        if held.confidential and not self._shown("held_back", owners):
            note = withheld(owners)
            return held.model_copy(update={"reason": note, "dmcs": [note] if held.dmcs else [], "evidence": evidence})
        return held.model_copy(update={"evidence": evidence}) if evidence != held.evidence else held

    def _cited(self, cited: Cited) -> Cited:
        owners = self.section_owners.get(cited.section, frozenset())
        if not cited.confidential or self._shown(cited.id, owners):
            return cited
        return cited.model_copy(update={"text": withheld(owners)})

    def _residual(self, view: ResidualView) -> ResidualView:
        if view.confidential and view.reason and not self._shown(f"{RESIDUAL_RISKS}/{view.group.value}", [view.group]):
            return view.model_copy(update={"reason": withheld([view.group])})
        return view

    def _annex_entry(self, entry: AnnexEntry, group: Group) -> AnnexEntry:
        if entry.confidential and not self._shown(f"{entry.criterion}/{group.value}", [group]):
            return entry.model_copy(update={"reason": withheld([group])})
        return entry

    def appendix(self, appendix: ConfidentialAppendix) -> ConfidentialAppendix:
        """Keep of a letter's confidential appendix only the entries the caller may see, counting the rest."""
        shown = [entry for entry in appendix.entries if self._shown(entry.ref, entry.owners)]
        if len(shown) == len(appendix.entries):
            return appendix
        left_out = len(appendix.entries) - len(shown)
        return appendix.model_copy(update={"entries": shown, "withheld": appendix.withheld + left_out})

    def _attached(self, condition: AttachedCondition) -> AttachedCondition:
        if condition.confidential and not self._shown(condition.id, [condition.owner]):
            note = withheld([condition.owner])
            origin = note if condition.origin else None
            return condition.model_copy(update={"text": note, "due": note, "origin": origin})
        return condition


#: How each kind of value that can carry confidential content is redacted (looked up along its classes).
_HANDLERS: dict[type, Callable[[Redactor, Any], object]] = {
    Evaluation: Redactor.evaluation,
    EvidencePack: Redactor.visible_pack,
    PackDocument: Redactor.pack,
    ReadinessView: Redactor.readiness,
    GateResult: Redactor.gate,
    CellDecision: Redactor._cell_decision,
    ConditionState: Redactor.condition,
    RegisterEntry: Redactor.register_entry,
    Condition: Redactor._condition,
    Assessment: Redactor.assessment,
    Diff: Redactor.diff,
    DecisionView: Redactor.decision,
    Snapshot: Redactor.snapshot,
    ConfidentialAppendix: Redactor.appendix,
}
