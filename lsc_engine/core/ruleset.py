"""The ruleset: criteria catalogue, parameters and rules, read from ``rules/`` and checked before use."""

from __future__ import annotations

import hashlib
import json
import re
import string
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from lsc_engine.core import safe_yaml
from lsc_engine.core.evidence import ConditionKind, Group
from lsc_engine.core.facts import DECLARED, FACTS, FactValue
from lsc_engine.core.loading import json_path
from lsc_engine.core.rating import Rating
from lsc_engine.core.sections import SECTIONS
from lsc_engine.errors import InvalidRuleset, Problem


def bundled_rules_dir() -> Path:
    """Return the ruleset shipped with lsc-engine: the copy packaged inside it, else the checkout's ``rules/``."""
    package = Path(__file__).resolve().parents[1]
    packaged = package / "rules"  # a wheel carries the ruleset here (pyproject.toml, force-include)
    return packaged if packaged.is_dir() else package.parent / "rules"


CATALOGUE_FILE = "catalogue.yaml"
PARAMETERS_FILE = "parameters.yaml"


#: The basis of a rule of this ruleset's own model, alone or followed by ": " and what it draws on.
PROVISIONAL = "provisional"
#: Names that mean nothing to a reader of the findings: source files and their numbering.
_INTERNAL_NAME = re.compile(r"\bseed\s*\d|\b\d{3}_[0-9a-f]{6,}|\b[\w-]+\.(?:txt|ya?ml|json|py|md|html?|pdf)\b", re.I)
#: A source a reader can find: a dated document (its year) or a section of the Smart Energy Code.
_TRACEABLE = re.compile(r"\b(?:19|20)\d\d\b|\bSEC Sections? [A-Z]\d")


def is_provisional(basis: str) -> bool:
    """Tell whether a basis says the rule is this ruleset's own rather than the Panel's or the Code's."""
    return basis == PROVISIONAL or basis.startswith(PROVISIONAL + ":")


def basis_problem(basis: str) -> str | None:
    """Say what is wrong with a rule's basis for a reader, or None if nothing is."""
    if _INTERNAL_NAME.search(basis):
        return "names an internal file or 'seed NNN'; name the document, its date and paragraph, or the SEC section"
    if basis.lower().startswith(PROVISIONAL):
        return None if is_provisional(basis) else "starts 'provisional' but not 'provisional' or 'provisional: ...'"
    if not _TRACEABLE.search(basis):
        return "names no dated document (with its year) and no SEC section, and is not 'provisional'"
    return None


class Data(BaseModel):
    """Base of the ruleset's data models: strict about unknown keys, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


#: What a criterion's id looks like: ``LSC6`` or ``LSC10.4``, or a short capitalised name (``RR``) for a part
#: of the assessment the letter gives a section of its own.
CRITERION_ID = r"^(LSC\d+(\.\d+)?|[A-Z]{2,10})$"


class Criterion(Data):
    """A Live Services Criterion, one of its sub-criteria, or a section of the assessment such as residual risks."""

    id: Annotated[str, Field(pattern=CRITERION_ID)]
    name: str
    owners: list[Group] = Field(min_length=1)
    parent: str | None = None
    provisional: bool = False
    reads: str = ""
    sections: list[str] = Field(default_factory=list, description="The pack sections the criterion reads")
    formerly: list[Annotated[str, Field(pattern=CRITERION_ID)]] = Field(
        default_factory=list,
        description="Ids this criterion had in earlier rulesets: conditions raised under them weigh on it",
    )


class Catalogue(Data):
    """The criteria catalogue, in the order the Panel reads it."""

    criteria: list[Criterion]

    @model_validator(mode="after")
    def _parents_known(self) -> Catalogue:
        ids = [criterion.id for criterion in self.criteria]
        if len(ids) != len(set(ids)):
            raise ValueError("criterion ids must be unique")
        for criterion in self.criteria:
            if criterion.parent is not None and criterion.parent not in ids:
                raise ValueError(f"{criterion.id}: unknown parent {criterion.parent}")
            unknown = sorted(set(criterion.sections) - set(SECTIONS))
            if unknown:
                raise ValueError(f"{criterion.id}: unknown sections {unknown}; known: {list(SECTIONS)}")
        former = [old for criterion in self.criteria for old in criterion.formerly]
        reused = sorted({old for old in former if old in ids or former.count(old) > 1})
        if reused:
            raise ValueError(f"a former id must name no current criterion and only one successor: {reused}")
        unread = sorted(set(SECTIONS) - {s for criterion in self.criteria for s in criterion.sections})
        if unread:
            raise ValueError(f"no criterion reads the sections {unread}, so no group would own their evidence")
        return self

    def section_owners(self) -> dict[str, frozenset[Group]]:
        """Return, per pack section, the groups owning a criterion that reads it."""
        owners: dict[str, set[Group]] = {section: set() for section in SECTIONS}
        for criterion in self.criteria:
            for section in criterion.sections:
                owners[section].update(criterion.owners)
        return {section: frozenset(groups) for section, groups in owners.items()}

    def get(self, criterion_id: str) -> Criterion:
        """Return the criterion with this id."""
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)

    def current_id(self, criterion_id: str) -> str:
        """Return the id a criterion has now: itself, or the criterion that took it over; unknown ids unchanged."""
        for criterion in self.criteria:
            if criterion_id in criterion.formerly:
                return criterion.id
        return criterion_id

    def children(self, criterion_id: str) -> list[Criterion]:
        """Return the sub-criteria of a criterion."""
        return [criterion for criterion in self.criteria if criterion.parent == criterion_id]

    @cached_property
    def cells(self) -> tuple[tuple[Criterion, Group], ...]:
        """Return every (leaf criterion, owning group) pair that gets a rating, found once per catalogue."""
        parents = {criterion.parent for criterion in self.criteria}
        return tuple((c, group) for c in self.criteria if c.id not in parents for group in c.owners)


Number = int | float


class Parameters(Data):
    """Thresholds and windows; those the fact derivation uses are named, rules may add their own."""

    model_config = ConfigDict(extra="allow", frozen=True)

    stability_window_days: int = Field(ge=1)
    blocking_categories: list[Annotated[int, Field(ge=1, le=5)]] = Field(min_length=1)
    lookback_days: int = Field(ge=1)
    worst_month_lookback_days: int = Field(ge=1)
    performance_target: float = Field(ge=0, le=100)
    performance_minimum: float = Field(ge=0, le=100)
    performance_reporting_lag_days: int = Field(ge=0, le=366)
    path_to_green_horizon_days: int = Field(ge=1, le=3660)

    @model_validator(mode="after")
    def _extras_are_numbers(self) -> Parameters:
        for name, value in (self.model_extra or {}).items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"parameter {name} must be a number")
        if self.performance_minimum > self.performance_target:
            raise ValueError("performance_minimum must not exceed performance_target")
        return self

    def value(self, name: str) -> Any:
        """Return a parameter by name."""
        if name in type(self).model_fields:
            return getattr(self, name)
        return (self.model_extra or {})[name]

    def names(self) -> set[str]:
        """Return the names of every parameter."""
        return set(type(self).model_fields) | set(self.model_extra or {})


Op = Literal["eq", "ne", "gt", "ge", "lt", "le", "missing", "present"]


class Clause(Data):
    """One test of one fact: compare it with a value or a parameter, or ask whether it is known."""

    fact: str
    op: Op
    value: str | int | float | bool | None = None
    param: str | None = None

    @model_validator(mode="after")
    def _operand(self) -> Clause:
        unary = self.op in ("missing", "present")
        has_operand = self.value is not None or self.param is not None
        if unary and has_operand:
            raise ValueError(f"op {self.op} takes no value or param")
        if not unary and (self.value is None) == (self.param is None):
            raise ValueError(f"op {self.op} needs exactly one of value or param")
        return self


class ConditionTemplate(Data):
    """A condition a rule raises when it fires."""

    key: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    kind: ConditionKind
    owner: Group
    text: str = Field(min_length=1)
    due: str = Field(min_length=1, description="A date or an event, e.g. 'before migration starts'")


class Examples(Data):
    """Facts that fire the rule and facts that do not."""

    fires: list[dict[str, FactValue]] = Field(min_length=1)
    does_not_fire: list[dict[str, FactValue]] = Field(min_length=1)


class Rule(Data):
    """One declarative rule: when its clauses all hold, it proposes a rating for a criterion and group."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    title: str
    criterion: str
    group: Group
    rating: Rating
    when: list[Clause] = Field(min_length=1)
    message: str
    remedy: str | None = None
    basis: str
    conditions: list[ConditionTemplate] = Field(default_factory=list)
    examples: Examples

    @field_validator("basis")
    @classmethod
    def _traceable(cls, basis: str) -> str:
        """Refuse a basis a reader could not trace: an internal name, or no document and no Code section."""
        problem = basis_problem(basis)
        if problem:
            raise ValueError(f"the basis {basis!r} {problem}")
        return basis

    @property
    def provisional(self) -> bool:
        """Tell whether the rule is this ruleset's own (its basis says provisional)."""
        return is_provisional(self.basis)

    @cached_property
    def fact_names(self) -> list[str]:
        """Return the facts the rule reads, in its clauses first, then its message."""
        names = [clause.fact for clause in self.when]
        for text in [self.message, self.remedy or "", *(c.text for c in self.conditions)]:
            names += [name for name in placeholders(text) if name in FACTS]
        return list(dict.fromkeys(names))

    @cached_property
    def reads_dated_facts(self) -> bool:
        """Tell whether a clause reads a fact that may change with the date: only then can waiting lift the rule."""
        return any(DECLARED[clause.fact].changes.with_date for clause in self.when)


def placeholders(template: str) -> list[str]:
    """Return the names a message template refers to."""
    return [field for _, field, _, _ in string.Formatter().parse(template) if field]


class Ruleset(BaseModel):
    """A checked, immutable ruleset with its digest."""

    model_config = ConfigDict(frozen=True)

    catalogue: Catalogue
    parameters: Parameters
    rules: list[Rule]
    digest: str

    @cached_property
    def operands(self) -> Mapping[str, frozenset[float]]:
        """The numbers some rule compares each fact with (its own values or its parameters'), by fact."""
        found: dict[str, set[float]] = {}
        for rule in self.rules:
            for clause in rule.when:
                if (number := self.number_operand(clause)) is not None:
                    found.setdefault(clause.fact, set()).add(number)
        return {fact: frozenset(numbers) for fact, numbers in found.items()}

    @cached_property
    def template_parameters(self) -> Mapping[str, Any]:
        """Every parameter by name, for message templates."""
        return MappingProxyType(parameter_values(self.parameters))

    @cached_property
    def by_id(self) -> Mapping[str, Rule]:
        """Every rule by its id."""
        return {rule.id: rule for rule in self.rules}

    @cached_property
    def positions(self) -> Mapping[str, int]:
        """Each rule's place in the ruleset, by its id: findings of one rating read in this order."""
        return {rule.id: position for position, rule in enumerate(self.rules)}

    @cached_property
    def cell_parts(self) -> Mapping[tuple[str, Group], tuple[tuple[int, ...], frozenset[str]]]:
        """Each criterion and group's rules, as their places in the ruleset, and the facts their clauses read."""
        places: dict[tuple[str, Group], list[int]] = {}
        for position, rule in enumerate(self.rules):
            places.setdefault((rule.criterion, rule.group), []).append(position)
        return {
            cell: (tuple(found), frozenset(clause.fact for i in found for clause in self.rules[i].when))
            for cell, found in places.items()
        }

    def number_operand(self, clause: Clause) -> float | None:
        """The number a clause compares its fact with (its own value or its parameter's); None if not a number."""
        operand = self.parameters.value(clause.param) if clause.param is not None else clause.value
        return float(operand) if isinstance(operand, int | float) and not isinstance(operand, bool) else None

    def rule(self, rule_id: str) -> Rule:
        """Return the rule with this id."""
        return self.by_id[rule_id]


_M = TypeVar("_M", bound=BaseModel)


def _read_yaml(path: Path) -> Any:
    try:
        return safe_yaml.load(path.read_bytes())
    except OSError as error:
        raise InvalidRuleset(f"cannot read {path.name}: {error}") from None
    except safe_yaml.YamlRefused as refused:
        raise InvalidRuleset(
            f"cannot read {path.name}: {refused.problem.message}", problems=[refused.problem]
        ) from None


def _validated(model: type[_M], document: Any, where: str) -> _M:
    try:
        return model.model_validate(document)
    except ValidationError as error:
        problems = [
            Problem(f"{where}:{json_path(d['loc'])}", str(d["msg"]).removeprefix("Value error, "))
            for d in error.errors(include_url=False)
        ]
        raise InvalidRuleset(f"{where} is not valid", problems=problems) from None


def load_ruleset(directory: Path | None = None) -> Ruleset:
    """Read, check and digest the ruleset in a directory (default: the bundled one)."""
    directory = directory or bundled_rules_dir()
    if not directory.is_dir():
        raise InvalidRuleset(f"no rules directory at {directory}")
    catalogue = _validated(Catalogue, _read_yaml(directory / CATALOGUE_FILE), CATALOGUE_FILE)
    parameters = _validated(Parameters, _read_yaml(directory / PARAMETERS_FILE), PARAMETERS_FILE)
    rules: list[Rule] = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name in (CATALOGUE_FILE, PARAMETERS_FILE):
            continue
        document = _read_yaml(path)
        if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
            raise InvalidRuleset(f"{path.name} must hold a top-level 'rules' list")
        rules += [_validated(Rule, raw, f"{path.name}:rules[{i}]") for i, raw in enumerate(document["rules"])]
    return build_ruleset(catalogue, parameters, rules)


def build_ruleset(catalogue: Catalogue, parameters: Parameters, rules: list[Rule]) -> Ruleset:
    """Cross-check the parts of a ruleset and seal it with its digest."""
    problems = _cross_check(catalogue, parameters, rules)
    if problems:
        raise InvalidRuleset(f"the ruleset has {len(problems)} problem(s)", problems=problems)
    canonical = json.dumps(
        {
            "catalogue": catalogue.model_dump(mode="json"),
            "parameters": parameters.model_dump(mode="json"),
            "rules": [rule.model_dump(mode="json") for rule in rules],
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    digest = "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
    return Ruleset(catalogue=catalogue, parameters=parameters, rules=rules, digest=digest)


def _cross_check(catalogue: Catalogue, parameters: Parameters, rules: list[Rule]) -> list[Problem]:
    problems: list[Problem] = []
    leaves = {(criterion.id, group) for criterion, group in catalogue.cells}
    seen: set[str] = set()
    for rule in rules:
        where = f"rule {rule.id}"
        if rule.id in seen:
            problems.append(Problem(where, "duplicate rule id"))
        seen.add(rule.id)
        if (rule.criterion, rule.group) not in leaves:
            problems.append(Problem(where, f"{rule.group} does not rate a leaf criterion {rule.criterion}"))
        for clause in rule.when:
            if clause.fact not in FACTS:
                problems.append(Problem(where, f"unknown fact {clause.fact}"))
            if clause.param is not None and clause.param not in parameters.names():
                problems.append(Problem(where, f"unknown parameter {clause.param}"))
        known = set(FACTS) | parameters.names()
        for text in [rule.message, rule.remedy or "", *(c.text for c in rule.conditions)]:
            for name in placeholders(text):
                if name not in known:
                    problems.append(Problem(where, f"template names unknown fact or parameter {{{name}}}"))
        if rule.rating != Rating.GREEN and not rule.remedy:
            problems.append(Problem(where, "a rule proposing a non-green rating needs a remedy"))
        for example in [*rule.examples.fires, *rule.examples.does_not_fire]:
            problems += [Problem(where, f"example names unknown fact {name}") for name in example if name not in FACTS]
    return problems


def parameter_values(parameters: Parameters) -> Mapping[str, Any]:
    """Return every parameter by name, for message templates."""
    return {name: parameters.value(name) for name in sorted(parameters.names())}
