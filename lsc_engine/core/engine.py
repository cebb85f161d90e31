"""The durable-rules adapter: the only module that imports durable_rules.

Rules are compiled once per ruleset digest into durable-rules' JSON form and loaded into its rule engine
core (``durable_rules_engine``, the compiled part of durable-rules). Each match asserts one message holding
the derived facts in a session of its own, lists the rules the engine says fired, and retracts the message,
leaving the session empty for a later match: the core's setting up of a session cost more than the match.

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
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import durable_rules_engine as core
import msgspec

from lsc_engine.core.facts import FactValue
from lsc_engine.core.ruleset import Clause, Rule, Ruleset
from lsc_engine.errors import EngineFailure

_KIND = "lsc-facts"
_ENCODE = msgspec.json.Encoder().encode
_OPERATORS = {"ne": "$neq", "gt": "$gt", "ge": "$gte", "lt": "$lt", "le": "$lte"}
#: The core's answers to an assertion: handled, matched no rule at all, seen before, deferred.
_HANDLED, _NOT_HANDLED, _OBSERVED, _DEFERRED = 0, 1, 2, 3

_REGISTERED: dict[str, _Loaded] = {}
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


def _message(facts: Mapping[str, FactValue], sid: str, keys: Mapping[str, str]) -> str:
    """Serialise one message for the core: the facts the rules read, under their short keys (a flat object).

    msgspec writes a float exactly as ``repr`` does between 1e-4 and 1e15; any other float is written out in full
    by the slower path, for the core cannot read an exponent. A value that is not a text, number or truth value
    (a ``Fact`` rather than its value, say) is refused: the core would compare it as something else, silently.
    """
    message: dict[str, FactValue] = {key: facts[name] for name, key in keys.items() if name in facts}
    plain = True
    for value in message.values():
        kind = type(value)
        if isinstance(value, float):
            plain = plain and (value == 0 or 1e-4 <= abs(value) < 1e15)
        elif kind is not str and kind is not int and kind is not bool:
            raise TypeError(f"a fact's value must be a text, a number or true or false, not {kind.__name__}")
    message["sid"] = sid
    message["kind"] = _KIND
    return _ENCODE(message).decode() if plain else to_json(message)


def _operand(clause: Clause, parameters: Callable[[str], Any]) -> Any:
    return parameters(clause.param) if clause.param is not None else clause.value


def compile_clause(clause: Clause, parameters: Callable[[str], Any], key: str | None = None) -> list[dict[str, Any]]:
    """Translate a clause into durable-rules tests (its fact under ``key``); no comparison holds for an absent fact."""
    fact = key or clause.fact
    present = {"$ex": {fact: 1}}
    if clause.op == "missing":
        return [{"$nex": {fact: 1}}]
    if clause.op == "present":
        return [present]
    operand = _operand(clause, parameters)
    if clause.op == "eq":
        return [present, {fact: operand}]
    return [present, {_OPERATORS[clause.op]: {fact: operand}}]


def compile_rule(rule: Rule, parameters: Callable[[str], Any], keys: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Translate one rule into a durable-rules rule definition, its facts under ``keys`` where given."""
    tests = [{"kind": _KIND}]
    for clause in rule.when:
        tests += compile_clause(clause, parameters, keys[clause.fact] if keys else None)
    return {"all": [{"m": {"$and": tests}}]}


def fact_keys(rules: Iterable[Rule]) -> dict[str, str]:
    """Give each fact the rules read a short key of its own ("f0", "f1", ...), in the order of their names.

    The core parses every message and writes it out again for each rule that fires; short keys, and only the facts
    the rules read, make that about a third of the text.
    """
    names = sorted({clause.fact for rule in rules for clause in rule.when})
    return {name: f"f{index}" for index, name in enumerate(names)}


@dataclass(frozen=True, slots=True)
class _Loaded:
    """A ruleset (or part of one) loaded into the core: its handle, its rule ids by position, its facts' keys."""

    handle: int
    rule_ids: tuple[str, ...]
    keys: Mapping[str, str]
    #: Sessions holding no fact, ready for the next match: creating a session in the core costs more than the match.
    idle: list[str] = field(default_factory=list)


def _register(ruleset: Ruleset, part: tuple[int, ...] | None = None) -> _Loaded:
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
            keys = fact_keys(rules)
            definition = {f"r{i}": compile_rule(rule, value, keys) for i, rule in enumerate(rules)}
            try:
                handle = core.create_ruleset(name, to_json(definition))
            except core.error as error:
                raise EngineFailure(f"the rule engine refused the ruleset: {error}") from None
            known = _Loaded(handle, tuple(rule.id for rule in rules), keys)
            _REGISTERED[key] = known
    return known


def prepare(ruleset: Ruleset) -> None:
    """Load a ruleset ahead of its first evaluation (at start-up, in one thread)."""
    _register(ruleset)


def _fired_index(reported: str) -> int:
    """Read which rule fired from the core's report: ``{"r12":{"m":{...}}}`` names rule ``r12``, the 13th."""
    end = reported.find('":', 3)  # as the core writes it: read with string methods, cheaper than a pattern
    digits = reported[3:end] if reported.startswith('{"r') and end > 3 else ""
    if digits.isascii() and digits.isdigit():
        return int(digits)
    name = next(iter(json.loads(reported)))
    return int(name.removeprefix("r"))


def match(ruleset: Ruleset, facts: Mapping[str, FactValue], part: tuple[int, ...] | None = None) -> list[str]:
    """Return the ids of the rules whose clauses all hold for these fact values, in ruleset order.

    ``part`` limits the match to the rules at those positions in the ruleset, loaded into the core as a ruleset of
    their own: the path to green asks about one cell at many dates, and needs only that cell's rules and facts.
    """
    loaded = _register(ruleset, part)
    handle = loaded.handle
    sid = _take_session(loaded)
    fired: list[int] = []
    clean = False
    try:
        message = _message(facts, sid, loaded.keys)  # in here: a session taken is always given back or deleted
        code, state = core.assert_fact(handle, message)
        if code not in (_HANDLED, _NOT_HANDLED, _DEFERRED):
            raise EngineFailure(f"the rule engine did not take the facts (code {code})")
        if code != _NOT_HANDLED:  # else no rule matched even in part
            state = 0 if code == _DEFERRED else state
            started = core.start_action_for_state(handle, state)
            reported = started[1] if started else None
            while reported:
                fired.append(_fired_index(reported))
                reported = core.complete_and_start_action(handle, state)
        clean = core.retract_fact(handle, message)[0] == _HANDLED
    except core.error as error:
        raise EngineFailure(f"the rule engine failed: {error}") from None
    finally:
        _give_back(loaded, sid, clean)
    return [loaded.rule_ids[index] for index in sorted(fired)]


def _take_session(loaded: _Loaded) -> str:
    """Take a session of the core that holds no fact, or name a new one (the core creates it on first use)."""
    try:
        return loaded.idle.pop()  # atomic: two threads never take the same session
    except IndexError:
        return f"s{next(_SESSIONS)}"


def _give_back(loaded: _Loaded, sid: str, clean: bool) -> None:
    """Keep a session whose fact was retracted for the next match; delete any other."""
    if clean:
        loaded.idle.append(sid)
        return
    with contextlib.suppress(core.error):  # a session that was never created has nothing to delete
        core.delete_state(loaded.handle, sid)
