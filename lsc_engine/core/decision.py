"""Evaluation: derive facts, match rules, and assemble ratings, conditions, blockers and the path to green."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel

from lsc_engine.core import engine
from lsc_engine.core.days import shift
from lsc_engine.core.evaluation import (
    Blocker,
    Blockers,
    CellRating,
    Condition,
    CriterionRating,
    Evaluation,
    ExcludedEvidence,
    Finding,
    Milestone,
    PathToGreen,
    Readiness,
)
from lsc_engine.core.evidence import ConditionKind, EarlierCondition, EvidencePack, Group, item_groups
from lsc_engine.core.facts import DECLARED, Change, Derivation, Fact, fact_values
from lsc_engine.core.ruleset import Rating, Rule, Ruleset, parameter_values

Cell = tuple[str, Group]

NO_CONFIRMATION = "no-confirming-evidence"
CARRIED_OVER = "carried-over-condition"


class _Values(dict[str, str]):
    """Template values; a name with no value renders as 'unknown' rather than failing."""

    def __missing__(self, key: str) -> str:
        return "unknown"


def _text(value: Any, landmarks: frozenset[float] = frozenset()) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return _number(value, landmarks)
    if isinstance(value, list):
        return "/".join(_text(v, landmarks) for v in value)
    return str(value)


def _number(value: float, landmarks: frozenset[float]) -> str:
    """A measured number to two decimals, or to as many more as it takes to stand where it does against its landmarks.

    Rounded to two places, 97.996 would read "98" beside a target of 98 that it misses: a number is shown with
    more places until it compares with every landmark (the numbers rules compare it with) as the value itself does.
    """
    if (value != 0 and abs(value) < 0.01) or not math.isfinite(value):
        return f"{value:g}"
    for places in range(2, 7):
        text = f"{value:.{places}f}".rstrip("0").rstrip(".")
        shown = float(text)
        if all((shown > mark) - (shown < mark) == (value > mark) - (value < mark) for mark in landmarks):
            return text
    return repr(value)


def template_values(
    facts: Mapping[str, Fact], parameters: Mapping[str, Any], operands: Mapping[str, frozenset[float]]
) -> Mapping[str, str]:
    """Render every fact value and parameter once, for all the templates of an evaluation.

    Parameters are written as they are; a fact's number is rounded unless it would then read as one of the numbers
    (``operands``) a rule compares that fact with.
    """
    values = _Values({name: _text(value) for name, value in parameters.items()})
    values.update({name: _text(fact.value, operands.get(name, frozenset())) for name, fact in facts.items()})
    return values


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill a rule's message template with fact values and parameters."""
    return template.format_map(values)


def input_digest(pack: EvidencePack) -> str:
    """Digest the pack's canonical JSON form: pydantic's JSON of the validated pack (``model_dump_json``)."""
    digest = hashlib.sha256()
    for piece in canonical_json(pack):
        digest.update(piece)
    return "sha256:" + digest.hexdigest()


#: Records serialised at a time when a list is long; the canonical form of a large pack is never whole in memory.
PIECE_RECORDS = 5000


def canonical_json(model: BaseModel, *, piece: int = PIECE_RECORDS) -> Iterator[bytes]:
    """Yield a model's JSON, byte for byte ``model_dump_json()``, in parts of at most about ``piece`` records."""
    fields = list(type(model).model_fields)
    serializer = type(model).__pydantic_serializer__
    if not any(_is_long(getattr(model, name), piece) for name in fields):
        yield serializer.to_json(model)
        return
    for position, name in enumerate(fields):
        value = getattr(model, name)
        yield b"{" if position == 0 else b","
        if not _is_long(value, piece):
            yield serializer.to_json(model, include={name})[1:-1]  # '"name":value' without the braces
        elif isinstance(value, BaseModel):
            yield json.dumps(name).encode() + b":"
            yield from canonical_json(value, piece=piece)
        else:
            head = json.dumps(name).encode() + b":["
            yield head
            for start in range(0, len(value), piece):
                part = model.model_copy(update={name: value[start : start + piece]})
                records = serializer.to_json(part, include={name})[len(head) + 1 : -2]
                yield b"," + records if start else records
            yield b"]"
    yield b"}"


def _is_long(value: object, piece: int) -> bool:
    if isinstance(value, list):
        return len(value) > piece
    if isinstance(value, BaseModel):
        return any(_is_long(getattr(value, name), piece) for name in type(value).model_fields)
    return False


def _finding(rule: Rule, facts: Mapping[str, Fact], values: Mapping[str, str]) -> Finding:
    behind = [facts[name] for name in rule.fact_names if name in facts]
    evidence = sorted({item for fact in behind for item in fact.evidence})
    return Finding(
        rule_id=rule.id,
        title=rule.title,
        rating=rule.rating,
        message=render(rule.message, values),
        basis=rule.basis,
        evidence=evidence,
        evidence_count=max((fact.evidence_count for fact in behind), default=0),
        confidential=any(fact.confidential for fact in behind),
    )


#: Each rating's severity, looked up once (``_worst`` runs for every cell of every date probed).
_SEVERITY = {rating: rating.severity for rating in Rating}


def _worst(ratings: Iterable[Rating]) -> Rating:
    return max(ratings, key=_SEVERITY.__getitem__, default=Rating.GREEN)


class _Run:
    """One evaluation in progress: the ruleset, the prepared evidence, and cached rule matches by date."""

    def __init__(self, pack: EvidencePack, ruleset: Ruleset, as_at: date) -> None:
        self.pack = pack
        self.ruleset = ruleset
        self.as_at = as_at
        self.parameters = parameter_values(ruleset.parameters)
        self.derivation = Derivation(pack, ruleset.parameters, known_at=as_at)
        self._fired: dict[date, tuple[dict[str, Fact], list[Rule]]] = {}
        self._rules = {rule.id: rule for rule in ruleset.rules}

    def fired(self, on: date) -> tuple[dict[str, Fact], list[Rule]]:
        """Return the facts and the fired rules as at a date (no new evidence after ``as_at``)."""
        if on not in self._fired:
            facts = self.derivation.facts(on)
            fired = engine.match(self.ruleset, fact_values(facts))
            self._fired[on] = (facts, [self._rules[rule_id] for rule_id in fired])
        return self._fired[on]

    def change_dates(self, cell: Cell, until: date) -> list[date]:
        """Return the dates in (as_at, until] on which the facts the cell's rules read may change, in order.

        Between two of them, and after the last, the cell keeps its rating: only these need probing.
        """
        clauses = [
            clause for rule in self.ruleset.rules if (rule.criterion, rule.group) == cell for clause in rule.when
        ]
        reaching: dict[str, list[float]] = {}
        for clause in clauses:
            if (
                DECLARED[clause.fact].changes is Change.DAILY
                and (operand := self.ruleset.number_operand(clause)) is not None
            ):
                reaching.setdefault(clause.fact, []).append(operand)
        facts = {clause.fact for clause in clauses}
        return self.derivation.change_dates(self.as_at, until, facts, reaching)

    def cell_ratings(self, on: date) -> dict[Cell, Rating]:
        """Return each cell's rating as at a date, from rules alone."""
        ratings: dict[Cell, list[Rating]] = {}
        for rule in self.fired(on)[1]:
            ratings.setdefault((rule.criterion, rule.group), []).append(rule.rating)
        return {
            (criterion.id, group): _worst(ratings[(criterion.id, group)])
            if (criterion.id, group) in ratings
            else Rating.INSUFFICIENT_EVIDENCE
            for criterion, group in self.ruleset.catalogue.cells()
        }


def evaluate(pack: EvidencePack, ruleset: Ruleset, *, as_at: date) -> Evaluation:
    """Evaluate an evidence pack under a ruleset as at a date; pure and deterministic."""
    run = _Run(pack, ruleset, as_at)
    facts, fired = run.fired(as_at)
    values = template_values(facts, run.parameters, ruleset.operands)
    findings: dict[Cell, list[Finding]] = {}
    for rule in fired:
        findings.setdefault((rule.criterion, rule.group), []).append(_finding(rule, facts, values))
    conditions = _conditions(run.derivation.earlier_conditions, ruleset, fired, facts, values, findings)
    cells = _cells(ruleset, findings)
    overall = _overall(cells, conditions)
    return Evaluation(
        capability=pack.statement.capability,
        cohort=pack.statement.cohort,
        as_at=as_at,
        overall=overall,
        ratings=cells,
        criteria=_criteria(ruleset, cells),
        conditions=conditions,
        blockers=_blockers(cells, conditions),
        path_to_green=_paths(run, cells, fired, values),
        excluded_evidence=[
            ExcludedEvidence(id=e.id, path=e.path, dated=e.dated, reason=f"dated {e.dated}, after the as-at date")
            for e in run.derivation.excluded
        ],
        confidential_evidence=sorted(
            item.id for _, _, items in item_groups(pack) for item in items if item.confidential
        ),
        ruleset_digest=ruleset.digest,
        input_digest=input_digest(pack),
    )


def _cells(ruleset: Ruleset, findings: Mapping[Cell, list[Finding]]) -> list[CellRating]:
    cells = []
    for criterion, group in ruleset.catalogue.cells():
        found = list(findings.get((criterion.id, group), []))
        if all(f.rule_id == CARRIED_OVER for f in found):  # no rule rated it: a carried condition is not evidence
            found += [
                Finding(
                    rule_id=NO_CONFIRMATION,
                    title="No rule confirmed this criterion",
                    rating=Rating.INSUFFICIENT_EVIDENCE,
                    message=f"Insufficient evidence: no rule found evidence that {criterion.id} is met for {group}.",
                    basis="missing evidence is never green",
                    evidence=[],
                    evidence_count=0,
                    confidential=False,
                )
            ]
        found.sort(key=lambda f: (-f.rating.severity, f.rule_id))
        cells.append(
            CellRating(
                criterion=criterion.id,
                criterion_name=criterion.name,
                parent=criterion.parent,
                group=group,
                rating=_worst(f.rating for f in found),
                findings=found,
            )
        )
    return cells


def _criteria(ruleset: Ruleset, cells: list[CellRating]) -> list[CriterionRating]:
    by_criterion: dict[str, list[Rating]] = {}
    for cell in cells:
        by_criterion.setdefault(cell.criterion, []).append(cell.rating)
        if cell.parent is not None:
            by_criterion.setdefault(cell.parent, []).append(cell.rating)
    return [
        CriterionRating(
            criterion=c.id, name=c.name, rating=_worst(by_criterion.get(c.id, [])), provisional=c.provisional
        )
        for c in ruleset.catalogue.criteria
    ]


#: How much a condition kind holds back, most first; merging two conditions keeps the stronger kind.
_STRENGTH = [
    ConditionKind.PREREQUISITE_GO_LIVE,
    ConditionKind.PREREQUISITE_MIGRATION,
    ConditionKind.PAUSE_TRIGGER,
    ConditionKind.ONGOING_REPORTING,
    ConditionKind.CARRIED_OVER,
]


def _stronger(first: ConditionKind, second: ConditionKind) -> ConditionKind:
    return min(first, second, key=_STRENGTH.index)


def _conditions(
    known_earlier: list[EarlierCondition],
    ruleset: Ruleset,
    fired: list[Rule],
    facts: Mapping[str, Fact],
    values: Mapping[str, str],
    findings: dict[Cell, list[Finding]],
) -> list[Condition]:
    earlier = {condition.key: condition for condition in known_earlier}
    raised: dict[str, Condition] = {}
    for rule in fired:
        confidential = any(facts[name].confidential for name in rule.fact_names if name in facts)
        for template in rule.conditions:
            if template.key in raised:
                continue
            previous = earlier.get(template.key)
            criteria = [rule.criterion, *(previous.criteria if previous else [])]
            raised[template.key] = Condition(
                id=template.key,
                kind=_stronger(template.kind, ConditionKind(previous.kind)) if previous else template.kind,
                owner=template.owner,
                criteria=sorted(set(criteria)),
                text=render(template.text, values),
                due=template.due,
                raised_by=rule.id,
                carried_over_from=previous.id if previous else None,
                carried_over_since=previous.raised_on if previous else None,
                confidential=confidential or bool(previous and previous.confidential),
            )
    for key, previous in sorted(earlier.items()):
        if key in raised:
            continue
        raised[key] = Condition(
            id=key,
            kind=ConditionKind(previous.kind),
            owner=previous.owner,
            criteria=list(previous.criteria),
            text=previous.text,
            due="as set when it was first raised",
            raised_by="earlier decision",
            carried_over_from=previous.id,
            carried_over_since=previous.raised_on,
            confidential=previous.confidential,
        )
        finding = Finding(
            rule_id=CARRIED_OVER,
            title="A condition of an earlier decision is still open",
            rating=Rating.AMBER,
            message=f"Condition {previous.id} of {previous.raised_on} is still open: {previous.text}",
            basis="conditions stay attached to later decisions until met",
            evidence=[previous.id],
            evidence_count=1,
            confidential=previous.confidential,
        )
        for cell in _cells_of(ruleset, previous.criteria, previous.owner):
            findings.setdefault(cell, []).append(finding)
    return sorted(raised.values(), key=lambda c: (_STRENGTH.index(c.kind), c.id))


def _cells_of(ruleset: Ruleset, criteria: list[str], owner: Group) -> list[Cell]:
    """Find the cells a condition on these criteria weighs on: the owner's, or else every owner's."""
    catalogue = ruleset.catalogue
    leaves = {criterion.id: criterion for criterion, _ in catalogue.cells()}
    cells: list[Cell] = []
    for criterion_id in criteria:
        targets = [leaves[criterion_id]] if criterion_id in leaves else catalogue.children(criterion_id)
        for leaf in targets:
            owners = [owner] if owner in leaf.owners else leaf.owners
            cells += [(leaf.id, group) for group in owners if (leaf.id, group) not in cells]
    return cells


def _overall(cells: list[CellRating], conditions: list[Condition]) -> Readiness:
    worst = _worst(cell.rating for cell in cells)
    if worst in (Rating.RED, Rating.INSUFFICIENT_EVIDENCE):
        return Readiness.NOT_READY
    if worst == Rating.AMBER or conditions:
        return Readiness.READY_WITH_CONDITIONS
    return Readiness.READY


def _blockers(cells: list[CellRating], conditions: list[Condition]) -> Blockers:
    go_live: list[Blocker] = []
    migration: list[Blocker] = []
    for cell in cells:
        if cell.rating in (Rating.RED, Rating.INSUFFICIENT_EVIDENCE):
            first = cell.findings[0]
            reason = f"{cell.criterion} is rated {cell.rating.value} for {cell.group.value}: {first.message}"
            ref = f"{cell.criterion}/{cell.group.value}"
            blocker = Blocker(kind="rating", ref=ref, reason=reason, confidential=first.confidential)
            go_live.append(blocker)
            migration.append(blocker)
    for condition in conditions:
        blocker = Blocker(
            kind="condition", ref=condition.id, reason=condition.text, confidential=condition.confidential
        )
        if condition.kind == ConditionKind.PREREQUISITE_GO_LIVE:
            go_live.append(blocker)
            migration.append(blocker)
        elif condition.kind == ConditionKind.PREREQUISITE_MIGRATION:
            migration.append(blocker)
    return Blockers(go_live=go_live, migration=migration)


def _paths(run: _Run, cells: list[CellRating], fired: list[Rule], values: Mapping[str, str]) -> list[PathToGreen]:
    horizon = shift(run.as_at, run.ruleset.parameters.path_to_green_horizon_days)
    paths = []
    for cell in cells:
        if cell.rating == Rating.GREEN:
            continue
        key = (cell.criterion, cell.group)
        actions = [
            render(rule.remedy, values)
            for rule in fired
            if (rule.criterion, rule.group) == key and rule.remedy and rule.rating != Rating.GREEN
        ]
        carried = [f for f in cell.findings if f.rule_id == CARRIED_OVER]
        actions += [f"Meet the earlier condition that is still open. {f.message}" for f in carried]
        if any(f.rule_id == NO_CONFIRMATION for f in cell.findings):
            actions.append(f"Provide evidence that {cell.criterion} is met for {cell.group.value}.")
        floor = _worst(f.rating for f in carried)
        milestones = []
        # Only a rating that rests on facts which move with the date can improve by waiting.
        holding = [r for r in fired if (r.criterion, r.group) == key and r.rating != Rating.GREEN]
        changes = (
            run.change_dates(key, horizon)
            if any(DECLARED[clause.fact].changes.with_date for rule in holding for clause in rule.when)
            else []
        )
        if changes:
            later = run.cell_ratings(changes[-1])[key]  # the rating from then until the horizon
            for target in (Rating.AMBER, Rating.GREEN):
                reachable = floor.severity <= target.severity < cell.rating.severity
                if reachable and later.severity <= target.severity:
                    milestones.append(Milestone(rating=target, on=_earliest(run, key, target, changes)))
        paths.append(
            PathToGreen(
                criterion=cell.criterion,
                group=cell.group,
                rating=cell.rating,
                actions=list(dict.fromkeys(actions)),
                milestones=milestones,
            )
        )
    return paths


def _earliest(run: _Run, key: Cell, target: Rating, changes: list[date]) -> date:
    """Find the first of the dates the cell's facts change on from which its rules rate it ``target`` or better.

    The last date is known to qualify; time only improves stability facts, so a binary search finds the first.
    """
    low, high = 0, len(changes) - 1
    while low < high:
        middle = (low + high) // 2
        if run.cell_ratings(changes[middle])[key].severity <= target.severity:
            high = middle
        else:
            low = middle + 1
    return changes[low]
