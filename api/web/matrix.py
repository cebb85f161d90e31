"""The RAG matrix of an evaluation: a row per criterion, a cell per group, each with its findings and evidence."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from lsc_engine.committee.gate import CellDecision
from lsc_engine.core.evaluation import Evaluation, Milestone, PathToGreen
from lsc_engine.core.evidence import EvidencePack, Group, Item, iter_items
from lsc_engine.core.path_to_green import waiting_words
from lsc_engine.core.rating import Rating
from lsc_engine.core.ruleset import Criterion, Ruleset
from lsc_engine.core.words import basis_words, criterion_words, day_words
from lsc_engine.spreadsheets import Location

GROUPS = list(Group)

#: What each kind of evidence item is called on the pages.
KINDS = {
    "Dmc": "Device Model Combination",
    "Exclusion": "Scope exclusion",
    "TestPhase": "Test phase",
    "Defect": "Defect",
    "TestingIssue": "Testing issue",
    "Rehearsal": "Migration rehearsal",
    "OperationalAcceptance": "Operational acceptance",
    "ServiceProvider": "Service provider",
    "UserReadiness": "Service User readiness survey",
    "Communication": "Notice to Service Users",
    "Incident": "Incident",
    "PerformanceRow": "Monthly performance result",
    "ConsumerRisk": "Consumer risk",
    "BcdrPlan": "BCDR plan",
    "BcdrTest": "BCDR test",
    "ArchitectureApproval": "Security architecture approval",
    "SecurityTesting": "Security testing",
    "IndependentAssurance": "Independent security assurance",
    "CioReport": "CIO report",
    "Connectivity": "Connectivity",
    "SecurityIssue": "Security issue",
    "ResidualRisk": "Residual risk",
    "EarlierCondition": "Condition of an earlier decision",
    "Event": "Milestone",
    "StabilityStatement": "Statement on service stability",
    "GoLiveCriterion": "Agreed go-live criterion",
}


#: The fields that give an evidence item its title, in the order they are looked for.
TITLE_FIELDS = ("name", "summary", "description", "what", "text")


@dataclass(frozen=True)
class EvidenceRow:
    """One evidence item behind a finding, as found in the pack: named by its own id and title.

    ``path`` (where in the pack it sits) is for machines only: the pages carry it as an attribute.
    """

    id: str
    kind: str | None
    path: str | None
    source: str | None
    dated: date | None
    confidential: bool
    title: str | None = None
    #: Where an item built from a spreadsheet was read: "secure.xlsx, incidents sheet, row 6".
    row: str | None = None


@dataclass(frozen=True)
class FindingView:
    """A finding with its evidence items looked up in the pack."""

    rule_id: str
    title: str
    rating: Rating
    message: str
    basis: str  # what the rule rests on, in words; a provisional rule's without its label, shown as a tag instead
    provisional: bool
    confidential: bool
    evidence: list[EvidenceRow]
    not_shown: int


@dataclass(frozen=True)
class CellView:
    """One criterion and group in the matrix."""

    criterion: str
    group: Group
    owned: bool
    rating: Rating | None = None
    proposed: Rating | None = None
    decision: CellDecision | None = None
    findings: tuple[FindingView, ...] = ()
    path: PathToGreen | None = None
    milestones: str = ""


@dataclass(frozen=True)
class MatrixRow:
    """One criterion of the catalogue, with a cell per group."""

    criterion: Criterion
    sub: bool
    parent: bool
    children: str
    cells: list[CellView]

    @property
    def provisional(self) -> bool:
        """Tell whether the row shows anything of the ruleset's own model: its criterion or a rule behind a cell."""
        return self.criterion.provisional or any(f.provisional for cell in self.cells for f in cell.findings)


def kind_of(item: Item) -> str:
    """Name the kind of an evidence item in words."""
    name = type(item).__name__
    return KINDS.get(name) or re.sub(r"(?<!^)(?=[A-Z])", " ", name).capitalize()


def title_of(item: Item) -> str | None:
    """Return an evidence item's own title (its name, summary or description), if it has one."""
    for name in TITLE_FIELDS:
        value = getattr(item, name, None)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def evidence_index(pack: EvidencePack, rows: Mapping[str, Location] | None = None) -> dict[str, EvidenceRow]:
    """Index every evidence item of a pack by id, with the spreadsheet row each was read from where known."""
    located = rows or {}
    return {
        item.id: EvidenceRow(
            id=item.id,
            kind=kind_of(item),
            path=path,
            source=item.provenance.source,
            dated=item.provenance.date,
            confidential=item.confidential,
            title=title_of(item),
            row=located[path].words() if path in located else None,
        )
        for path, item in iter_items(pack)
    }


def milestone_text(milestones: Iterable[Milestone]) -> str:
    """Say when a rating improves by time alone, e.g. 'Amber from 15 August 2020, green from 1 October 2020.'."""
    text = waiting_words(milestones, day=day_words)
    return text[:1].upper() + text[1:]


def matrix(
    ruleset: Ruleset,
    evaluation: Evaluation,
    pack: EvidencePack,
    decisions: Iterable[CellDecision] = (),
    read_from: Mapping[str, Location] | None = None,
) -> list[MatrixRow]:
    """Lay out the catalogue as rows of cells: the current rating of each owned cell and everything behind it.

    ``read_from`` says where each item of a pack built from spreadsheets was read, so that findings name the rows.
    """
    catalogue = ruleset.catalogue
    index = evidence_index(pack, read_from)
    cells = {(c.criterion, c.group): c for c in evaluation.ratings}
    decided = {(d.criterion, d.group): d for d in decisions}
    paths = {(p.criterion, p.group): p for p in evaluation.path_to_green}

    def leaf(criterion: Criterion, group: Group) -> CellView:
        cell = cells.get((criterion.id, group))
        if group not in criterion.owners or cell is None:
            return CellView(criterion=criterion.id, group=group, owned=False)
        decision = decided.get((criterion.id, group))
        findings = tuple(
            FindingView(
                rule_id=f.rule_id,
                title=f.title,
                rating=f.rating,
                message=f.message,
                basis=basis_words(f.basis),
                provisional=f.provisional,
                confidential=f.confidential,
                evidence=[
                    index.get(ident) or EvidenceRow(ident, None, None, None, None, confidential=False)
                    for ident in f.evidence
                ],
                not_shown=max(0, f.evidence_count - len(f.evidence)),
            )
            for f in cell.findings
        )
        path = paths.get((criterion.id, group))
        return CellView(
            criterion=criterion.id,
            group=group,
            owned=True,
            rating=decision.rating if decision else cell.rating,
            proposed=cell.rating,
            decision=decision if decision and decision.decided is not None else None,
            findings=findings,
            path=path,
            milestones=milestone_text(path.milestones) if path else "",
        )

    former = _former(ruleset, evaluation)
    rows: list[MatrixRow] = []
    for criterion in catalogue.criteria:
        children = catalogue.children(criterion.id)
        if children:
            gone = [child for child in former if child.parent == criterion.id]
            leaves = [leaf(child, group) for child in [*children, *gone] for group in GROUPS]
            parent_cells = []
            for group in GROUPS:
                ratings = [c.rating for c in leaves if c.group == group and c.rating is not None]
                if group in criterion.owners and ratings:
                    worst = max(ratings, key=lambda r: r.severity)
                    parent_cells.append(CellView(criterion=criterion.id, group=group, owned=True, rating=worst))
                else:
                    parent_cells.append(CellView(criterion=criterion.id, group=group, owned=False))
            first, last = criterion_words(children[0].id), criterion_words(children[-1].id)
            span = f"{first}\u2013{last}" if len(children) > 1 else first
            rows.append(MatrixRow(criterion, sub=False, parent=True, children=span, cells=parent_cells))
            continue
        cells_of_row = [leaf(criterion, group) for group in GROUPS]
        rows.append(
            MatrixRow(criterion, sub=criterion.parent is not None, parent=False, children="", cells=cells_of_row)
        )
    rows += [
        MatrixRow(c, sub=c.parent is not None, parent=False, children="", cells=[leaf(c, g) for g in GROUPS])
        for c in former
    ]
    return rows


def _former(ruleset: Ruleset, evaluation: Evaluation) -> list[Criterion]:
    """Return the criteria of an evaluation made under an earlier ruleset that the catalogue no longer has."""
    known = {criterion.id for criterion in ruleset.catalogue.criteria}
    provisional = evaluation.provisional_criteria()
    former: dict[str, Criterion] = {}
    for cell in evaluation.ratings:
        if cell.criterion in known:
            continue
        seen = former.get(cell.criterion)
        owners = [*seen.owners, cell.group] if seen else [cell.group]
        former[cell.criterion] = Criterion(
            id=cell.criterion,
            name=cell.criterion_name,
            owners=owners,
            parent=cell.parent if cell.parent in known else None,
            provisional=cell.criterion in provisional,
        )
    return list(former.values())
