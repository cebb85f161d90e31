"""The decision: a pack evaluated under a ruleset, with ratings, conditions, blockers and the path to green."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Final

from lsc_engine.core.constructed import constructed
from lsc_engine.core.digest import input_digest
from lsc_engine.core.evaluation import (
    CARRIED_OVER,
    NO_CONFIRMATION,
    Blocker,
    Blockers,
    CellRating,
    Condition,
    ConditionOrigin,
    CriterionRating,
    Evaluation,
    ExcludedEvidence,
    Finding,
    Readiness,
)
from lsc_engine.core.evidence import ConditionKind, EarlierCondition, EvidencePack, Group, item_groups
from lsc_engine.core.facts import Fact
from lsc_engine.core.matches import Cell, Matches
from lsc_engine.core.messages import render, template_values
from lsc_engine.core.path_to_green import paths
from lsc_engine.core.rating import Rating, worst
from lsc_engine.core.rule_records import RuleRecord, RulesetRecords
from lsc_engine.core.ruleset import Ruleset
from lsc_engine.core.scope import scope_of
from lsc_engine.core.words import day_words


def _finding(rule: RuleRecord, facts: Mapping[str, Fact], values: Mapping[str, str]) -> Finding:
    evidence: set[str] = set()
    count = 0
    confidential = False
    for name in rule.fact_names:
        fact = facts.get(name)
        if fact is not None:
            evidence.update(fact.evidence)
            count = max(count, fact.evidence_count)
            confidential = confidential or fact.confidential
    return Finding(
        rule_id=rule.id,
        title=rule.title,
        rating=rule.rating,
        message=render(rule.message, values),
        basis=rule.basis,
        evidence=sorted(evidence),
        evidence_count=count,
        confidential=confidential,
    )


def evaluate(pack: EvidencePack, ruleset: Ruleset, *, as_at: date) -> Evaluation:
    """Evaluate an evidence pack under a ruleset as at a date; pure and deterministic."""
    matches = Matches(pack, ruleset, as_at)
    facts, fired = matches.fired(as_at)
    values = template_values(facts, ruleset.template_parameters, ruleset.operands)
    findings: dict[Cell, list[Finding]] = {}
    for rule in fired:
        findings.setdefault((rule.criterion, rule.group), []).append(_finding(rule, facts, values))
    conditions = _conditions(matches.derivation.earlier_conditions, ruleset, fired, facts, values, findings)
    cells = _cells(ruleset, matches.records, findings)
    overall = _overall(cells, conditions)
    # Built from the engine's own values, of the declared types, so not validated again (as the scope's records).
    return constructed(
        Evaluation,
        capability=pack.statement.capability,
        cohort=pack.statement.cohort,
        as_at=as_at,
        overall=overall,
        scope=scope_of(pack, as_at, matches.derivation.known),
        ratings=cells,
        criteria=_criteria(matches.records, cells),
        conditions=conditions,
        blockers=_blockers(cells, conditions),
        path_to_green=paths(matches, cells, fired, values),
        excluded_evidence=[
            ExcludedEvidence(id=e.id, path=e.path, dated=e.dated, reason=f"dated {e.dated}, after the as-at date")
            for e in matches.derivation.excluded
        ],
        confidential_evidence=sorted(
            item.id for _, _, items in item_groups(pack) for item in items if item.confidential
        ),
        ruleset_digest=ruleset.digest,
        input_digest=input_digest(pack),
    )


def _cells(ruleset: Ruleset, records: RulesetRecords, findings: Mapping[Cell, list[Finding]]) -> list[CellRating]:
    # Findings of one rating read in the order the ruleset writes its rules, which follows the Panel's letter.
    written = ruleset.positions
    cells = []
    for criterion, group in records.cells:
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
        found.sort(key=lambda f: (-f.rating.severity, written.get(f.rule_id, len(written)), f.rule_id))
        cells.append(
            CellRating(
                criterion=criterion.id,
                criterion_name=criterion.name,
                parent=criterion.parent,
                group=group,
                rating=found[0].rating,  # the worst: found is never empty, and sorted worst first
                findings=found,
            )
        )
    return cells


def _criteria(records: RulesetRecords, cells: list[CellRating]) -> list[CriterionRating]:
    by_criterion: dict[str, list[Rating]] = {}
    for cell in cells:
        by_criterion.setdefault(cell.criterion, []).append(cell.rating)
        if cell.parent is not None:
            by_criterion.setdefault(cell.parent, []).append(cell.rating)
    return [
        CriterionRating(
            criterion=c.id, name=c.name, rating=worst(by_criterion.get(c.id, [])), provisional=c.provisional
        )
        for c in records.criteria
    ]


#: How much a condition kind holds back, most first; merging two conditions keeps the stronger kind.
_STRENGTH = [
    ConditionKind.PREREQUISITE_GO_LIVE,
    ConditionKind.PREREQUISITE_MIGRATION,
    ConditionKind.PAUSE_TRIGGER,
    ConditionKind.ONGOING_REPORTING,
    ConditionKind.CARRIED_OVER,
]


#: The order in which the letters and the register number conditions: the order in which their kinds are declared.
_KIND_ORDER: Final = {kind: place for place, kind in enumerate(ConditionKind)}


def _stronger(first: ConditionKind, second: ConditionKind) -> ConditionKind:
    return min(first, second, key=_STRENGTH.index)


def _conditions(
    known_earlier: Sequence[EarlierCondition],
    ruleset: Ruleset,
    fired: list[RuleRecord],
    facts: Mapping[str, Fact],
    values: Mapping[str, str],
    findings: dict[Cell, list[Finding]],
) -> list[Condition]:
    earlier = {condition.key: condition for condition in known_earlier}
    # An earlier decision may name a criterion by the id it had then (LSC10.3 is now part of LSC10.6).
    now = {key: list(dict.fromkeys(map(ruleset.catalogue.current_id, e.criteria))) for key, e in earlier.items()}
    raised: dict[str, Condition] = {}
    for rule in fired:
        confidential = any(facts[name].confidential for name in rule.fact_names if name in facts)
        for template in rule.conditions:
            if template.key in raised:
                continue
            previous = earlier.get(template.key)
            criteria = [rule.criterion, *(now[template.key] if previous else [])]
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
                origin=_origin(previous),
                confidential=confidential or bool(previous and previous.confidential),
                # A condition an earlier decision set is the Panel's own, whichever rule raises it again.
                provisional=rule.provisional and previous is None,
            )
    for key, previous in sorted(earlier.items()):
        if key in raised:
            continue
        raised[key] = Condition(
            id=key,
            kind=ConditionKind(previous.kind),
            owner=previous.owner,
            criteria=now[key],
            text=previous.text,
            due="as set when it was first raised",
            raised_by="earlier decision",
            carried_over_from=previous.id,
            carried_over_since=previous.raised_on,
            origin=_origin(previous),
            confidential=previous.confidential,
        )
        finding = Finding(
            rule_id=CARRIED_OVER,
            title="A condition of an earlier decision is still open",
            rating=Rating.AMBER,
            message=f"Still open, carried over from {_decision_words(previous)}: {previous.text}",
            basis=(
                "SEC Panel letter to BEIS on the MOC MDS Live Services Criteria, 9 March 2020: an earlier decision's "
                "condition holds until it is met, as the unmet condition of the July 2019 EPCL approval did"
            ),
            evidence=[previous.id],
            evidence_count=1,
            confidential=previous.confidential,
        )
        for cell in _cells_of(ruleset, now[key], previous.owner):
            findings.setdefault(cell, []).append(finding)
    # Numbered as the letters and the register number them: by kind (reporting before a pause), then by key.
    return sorted(raised.values(), key=lambda c: (_KIND_ORDER[c.kind], c.id))


def _origin(condition: EarlierCondition | None) -> ConditionOrigin | None:
    origin = condition.origin if condition is not None else None
    if origin is None:
        return None
    return ConditionOrigin(body=origin.body, decision=origin.decision, on=origin.on, reference=origin.reference)


def _decision_words(condition: EarlierCondition) -> str:
    """Name the decision an earlier condition comes from: as the pack names it, or else by the day it was set."""
    origin = _origin(condition)
    return origin.words() if origin is not None else f"an earlier decision of {day_words(condition.raised_on)}"


def _cells_of(ruleset: Ruleset, criteria: list[str], owner: Group) -> list[Cell]:
    """Find the cells a condition on these criteria weighs on: the owner's, or else every owner's."""
    catalogue = ruleset.catalogue
    leaves = {criterion.id: criterion for criterion, _ in catalogue.cells}
    cells: list[Cell] = []
    for criterion_id in criteria:
        targets = [leaves[criterion_id]] if criterion_id in leaves else catalogue.children(criterion_id)
        for leaf in targets:
            owners = [owner] if owner in leaf.owners else leaf.owners
            cells += [(leaf.id, group) for group in owners if (leaf.id, group) not in cells]
    return cells


def _overall(cells: list[CellRating], conditions: list[Condition]) -> Readiness:
    rating = worst(cell.rating for cell in cells)
    if rating in (Rating.RED, Rating.INSUFFICIENT_EVIDENCE):
        return Readiness.NOT_READY
    if rating == Rating.AMBER or conditions:
        return Readiness.READY_WITH_CONDITIONS
    return Readiness.READY


def _blockers(cells: list[CellRating], conditions: list[Condition]) -> Blockers:
    go_live: list[Blocker] = []
    migration: list[Blocker] = []
    for cell in cells:
        if cell.rating in (Rating.RED, Rating.INSUFFICIENT_EVIDENCE):
            first = cell.findings[0]
            # A rating and a group are StrEnums: written in an f-string, each is its value.
            reason = f"{cell.criterion} is rated {cell.rating} for {cell.group}: {first.message}"
            ref = f"{cell.criterion}/{cell.group}"
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
    return constructed(Blockers, go_live=go_live, migration=migration)
