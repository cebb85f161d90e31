"""The durable-rules adapter: the only module that imports durable_rules.

Rules are compiled once per ruleset digest into durable-rules' JSON form and loaded into its rule engine
core (``durable_rules_engine``, the compiled part of durable-rules). Each evaluation asserts one message
holding the derived facts under a session id of its own, lists the rules the engine says fired, and
deletes the session.

We talk to the core directly rather than through durable's Python host: the host would run a Python
action per fired rule (parsing the whole message back from JSON, building a closure, writing the session
state back), which cost about half a millisecond per match, and would start threads that never stop. The
rules have no actions of their own here: which rules fired is the whole answer, and the core hands the
fired rules over one by one, keyed by rule name, exactly as the host would have dispatched them.
"""

from __future__ import annotations

import contextlib
import decimal
import hashlib
import itertools
import json
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

import durable_rules_engine as core

from lsc_engine.core.facts import FactValue
from lsc_engine.core.ruleset import Clause, Rule, Ruleset
from lsc_engine.errors import EngineFailure

_KIND = "lsc-facts"
_OPERATORS = {"ne": "$neq", "gt": "$gt", "ge": "$gte", "lt": "$lt", "le": "$lte"}
#: The core's answers to an assertion: handled, matched no rule at all, seen before, deferred.
_HANDLED, _NOT_HANDLED, _OBSERVED, _DEFERRED = 0, 1, 2, 3
#: A fired rule as the core reports it, e.g. ``{"r12":{"m":{...}}}``; rule ``r12`` is the ruleset's 13th.
_FIRED_RULE = re.compile(r'\{\s*"r(\d+)"\s*:')

_REGISTERED: dict[str, tuple[int, tuple[str, ...]]] = {}
_REGISTER_LOCK = threading.Lock()
_SESSIONS = itertools.count()


def _number(value: float) -> str:
    """Write a float without an exponent: the core cannot read ``1e-05`` and refuses the whole document."""
    text = repr(value)
    return format(decimal.Decimal(text), "f") if "e" in text or "n" in text else text


def to_json(value: Any) -> str:
    """Serialise a ruleset definition for the core: JSON whose floats never have an exponent."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{to_json(str(key))}:{to_json(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(to_json(item) for item in value) + "]"
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def _message(facts: Mapping[str, FactValue], sid: str) -> str:
    """Serialise one message of facts (a flat object) for the core, with floats written out in full."""
    message = {**facts, "sid": sid, "kind": _KIND}
    floats = [f",{json.dumps(name)}:{_number(value)}" for name, value in message.items() if isinstance(value, float)]
    if not floats:
        return json.dumps(message, ensure_ascii=False, separators=(",", ":"))
    rest = {name: value for name, value in message.items() if not isinstance(value, float)}
    return json.dumps(rest, ensure_ascii=False, separators=(",", ":"))[:-1] + "".join(floats) + "}"


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


def compile_rule(rule: Rule, parameters: Callable[[str], Any]) -> dict[str, Any]:
    """Translate one rule into a durable-rules rule definition."""
    tests = [{"kind": _KIND}, *(test for clause in rule.when for test in compile_clause(clause, parameters))]
    return {"all": [{"m": {"$and": tests}}]}


def _register(ruleset: Ruleset, part: tuple[int, ...] | None = None) -> tuple[int, tuple[str, ...]]:
    """Compile and load a ruleset, or the part of it at these positions, into the core once per digest."""
    key = ruleset.digest if part is None else f"{ruleset.digest}/{','.join(map(str, part))}"
    known = _REGISTERED.get(key)
    if known is not None:
        return known
    with _REGISTER_LOCK:
        known = _REGISTERED.get(key)
        if known is None:
            rules = ruleset.rules if part is None else [ruleset.rules[position] for position in part]
            name = "lsc_" + hashlib.sha256(key.encode()).hexdigest()[:24]
            value = ruleset.parameters.value
            definition = {f"r{i}": compile_rule(rule, value) for i, rule in enumerate(rules)}
            try:
                handle = core.create_ruleset(name, to_json(definition))
            except core.error as error:
                raise EngineFailure(f"the rule engine refused the ruleset: {error}") from None
            known = (handle, tuple(rule.id for rule in rules))
            _REGISTERED[key] = known
    return known


def prepare(ruleset: Ruleset) -> None:
    """Load a ruleset ahead of its first evaluation (at start-up, in one thread)."""
    _register(ruleset)


def _fired_index(reported: str) -> int:
    found = _FIRED_RULE.match(reported)
    if found is not None:
        return int(found.group(1))
    name = next(iter(json.loads(reported)))
    return int(name.removeprefix("r"))


def match(ruleset: Ruleset, facts: Mapping[str, FactValue], part: tuple[int, ...] | None = None) -> list[str]:
    """Return the ids of the rules whose clauses all hold for these fact values, in ruleset order.

    ``part`` limits the match to the rules at those positions in the ruleset, loaded into the core as a ruleset of
    their own: the path to green asks about one cell at many dates, and needs only that cell's rules and facts.
    """
    handle, rule_ids = _register(ruleset, part)
    sid = f"s{next(_SESSIONS)}"
    fired: list[int] = []
    try:
        code, state = core.assert_fact(handle, _message(facts, sid))
        if code == _NOT_HANDLED:  # no rule matched even in part
            return []
        if code not in (_HANDLED, _DEFERRED):
            raise EngineFailure(f"the rule engine did not take the facts (code {code})")
        state = 0 if code == _DEFERRED else state
        started = core.start_action_for_state(handle, state)
        reported = started[1] if started else None
        while reported:
            fired.append(_fired_index(reported))
            reported = core.complete_and_start_action(handle, state)
    except core.error as error:
        raise EngineFailure(f"the rule engine failed: {error}") from None
    finally:
        with contextlib.suppress(core.error):  # a session that was never created has nothing to delete
            core.delete_state(handle, sid)
    return [rule_ids[index] for index in sorted(fired)]
