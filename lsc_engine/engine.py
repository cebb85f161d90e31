"""The durable-rules adapter: the only module that imports durable_rules.

Rules are compiled once per ruleset digest into durable-rules' JSON form and registered on one host
whose background dispatcher is switched off (our actions are synchronous and we use no timers), which
is the arrangement that is safe under concurrent callers. Each evaluation asserts one message holding
the derived facts under a session id of its own, collects the rules that fired, and deletes the session.
"""

from __future__ import annotations

import contextlib
import decimal
import json
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from durable import engine as durable

from lsc_engine.errors import EngineFailure
from lsc_engine.facts import FactValue
from lsc_engine.ruleset import Clause, Rule, Ruleset

_KIND = "lsc-facts"
_OPERATORS = {"ne": "$neq", "gt": "$gt", "ge": "$gte", "lt": "$lt", "le": "$lte"}


class _PositionalJson:
    """durable-rules' JSON, except that floats are written without an exponent.

    The C engine cannot read ``1e-05`` (Python's form for small floats) and refuses the whole fact; written
    as ``0.00001`` the same number is read exactly. Only flat messages (our facts) are affected.
    """

    loads = staticmethod(json.loads)

    @staticmethod
    def dumps(value: Any, **options: Any) -> str:
        """Serialise like ``json.dumps``, with positional floats in flat objects."""
        if not isinstance(value, dict) or not any(isinstance(v, float) for v in value.values()):
            return json.dumps(value, **options)
        fields = (
            json.dumps(key, **options) + ":" + (_positional(v) if isinstance(v, float) else json.dumps(v, **options))
            for key, v in value.items()
        )
        return "{" + ",".join(fields) + "}"


def _positional(number: float) -> str:
    return format(decimal.Decimal(repr(number)), "f")


durable.json = _PositionalJson


class _QuietHost(durable.Host):  # type: ignore[misc]
    """A host without the background dispatch thread, which races with callers' actions."""

    def _run(self) -> None:
        pass


_HOST = _QuietHost()
_REGISTERED: dict[str, tuple[str, tuple[str, ...]]] = {}
_REGISTER_LOCK = threading.Lock()
#: Rules fired per session id; each evaluation owns its session id, so entries are never shared.
_FIRED: dict[str, list[int]] = {}


def _operand(clause: Clause, parameters: Callable[[str], Any]) -> Any:
    return parameters(clause.param) if clause.param is not None else clause.value


def compile_clause(clause: Clause, parameters: Callable[[str], Any]) -> list[dict[str, Any]]:
    """Translate one clause into durable-rules tests; a comparison never holds for an absent fact."""
    present = {"$ex": {clause.fact: 1}}
    if clause.op == "missing":
        return [{"$nex": {clause.fact: 1}}]
    if clause.op == "present":
        return [present]
    operand = _operand(clause, parameters)
    if clause.op == "eq":
        return [present, {clause.fact: operand}]
    return [present, {_OPERATORS[clause.op]: {clause.fact: operand}}]


def _action(index: int) -> Callable[[Any], None]:
    def fired(context: Any) -> None:
        _FIRED[context.s["sid"]].append(index)

    return fired


def compile_rule(rule: Rule, index: int, parameters: Callable[[str], Any]) -> dict[str, Any]:
    """Translate one rule into a durable-rules rule definition."""
    tests = [{"kind": _KIND}, *(test for clause in rule.when for test in compile_clause(clause, parameters))]
    return {"all": [{"m": {"$and": tests}}], "run": _action(index)}


def _register(ruleset: Ruleset) -> tuple[str, tuple[str, ...]]:
    """Compile and register a ruleset on the host once, keyed by its digest."""
    known = _REGISTERED.get(ruleset.digest)
    if known is not None:
        return known
    with _REGISTER_LOCK:
        known = _REGISTERED.get(ruleset.digest)
        if known is None:
            name = "lsc_" + ruleset.digest.removeprefix("sha256:")[:24]
            value = ruleset.parameters.value
            definition = {f"r{i}": compile_rule(rule, i, value) for i, rule in enumerate(ruleset.rules)}
            _HOST.set_rulesets({name: definition})
            known = (name, tuple(rule.id for rule in ruleset.rules))
            _REGISTERED[ruleset.digest] = known
    return known


def prepare(ruleset: Ruleset) -> None:
    """Register a ruleset ahead of its first evaluation (at start-up, in one thread)."""
    _register(ruleset)


def match(ruleset: Ruleset, facts: Mapping[str, FactValue]) -> list[str]:
    """Return the ids of the rules whose clauses all hold for these fact values, in ruleset order."""
    name, rule_ids = _register(ruleset)
    sid = uuid.uuid4().hex
    _FIRED[sid] = []
    try:
        with contextlib.suppress(durable.MessageNotHandledException):  # raised when no rule matched
            _HOST.assert_fact(name, {**facts, "sid": sid, "kind": _KIND})
        state = _HOST.get_state(name, sid)
        if state.get("exception"):
            raise EngineFailure(f"a rule action failed: {state['exception']}")
        return [rule_ids[index] for index in sorted(_FIRED[sid])]
    finally:
        _FIRED.pop(sid, None)
        with contextlib.suppress(Exception):  # a session that was never created has nothing to delete
            _HOST.delete_state(name, sid)
