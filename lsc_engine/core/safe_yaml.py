"""YAML read as plain data: no anchors or aliases, bounded nesting and size, so a small file cannot grow huge.

A YAML alias repeats a node already read; nested aliases repeat repetitions, and a few hundred bytes can
stand for billions of nodes ("billion laughs"). Evidence packs, rules and mappings never need them, so the
document's events are read first and the first anchor or alias is refused with its line, before any node
is built. Every YAML input the project reads goes through ``load``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from lsc_engine.errors import Problem

#: PyYAML's safe loader and parser, in libyaml's C implementation where PyYAML was built with it.
YamlLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: The largest YAML document read; larger packs are sent as JSON, which is validated without a parse tree.
MAX_BYTES = 32 * 1024 * 1024

#: The deepest nesting of mappings and sequences read (a pack nests five levels).
MAX_DEPTH = 32


@dataclass(frozen=True)
class YamlRefused(Exception):
    """A YAML document was refused: malformed, too large, too deep, or using anchors or aliases."""

    problem: Problem


def _where(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "$"


def _check_events(data: bytes) -> None:
    """Refuse anchors, aliases and deep nesting, reading only the document's events (no nodes are built)."""
    depth = 0
    for event in yaml.parse(data, Loader=YamlLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise YamlRefused(
                Problem(
                    _where(event.start_mark),
                    "YAML anchors and aliases (& and *) are not accepted: write each value out in full",
                )
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlRefused(Problem(_where(event.start_mark), f"nested more than {MAX_DEPTH} levels deep"))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def load(data: bytes) -> Any:
    """Read one YAML document as plain data (mappings, sequences, scalars), or raise ``YamlRefused``."""
    if len(data) > MAX_BYTES:
        raise YamlRefused(
            Problem("$", f"a YAML document may be at most {MAX_BYTES // (1024 * 1024)} MiB; send larger packs as JSON")
        )
    try:
        _check_events(data)
        return yaml.load(data, Loader=YamlLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise YamlRefused(Problem(_where(mark), f"not valid YAML: {getattr(error, 'problem', error)}")) from None
    except (ValueError, OverflowError) as error:  # a scalar PyYAML cannot make a value of: 2020-13-45, 10**5000
        raise YamlRefused(Problem("$", f"not valid YAML: a value cannot be read ({error})")) from None
