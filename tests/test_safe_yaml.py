"""YAML inputs are read as plain data: anchors, aliases, deep nesting and oversized documents are refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lsc_engine.core import safe_yaml
from lsc_engine.core.loading import parse_pack
from lsc_engine.core.ruleset import bundled_rules_dir, load_ruleset
from lsc_engine.errors import InvalidPack, InvalidRuleset

from .helpers import minimal


def bomb(levels: int, width: int = 10) -> bytes:
    """Return a "billion laughs" document: each level an anchored list of ``width`` aliases of the one before."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * width)}]" for n in range(1, levels)]
    return ("\n".join(lines) + "\n").encode()


def test_an_alias_bomb_is_refused_before_anything_is_expanded() -> None:
    # Expanded, this 20-level document would hold 10**20 strings: the test could not finish if it were.
    with pytest.raises(InvalidPack) as caught:
        parse_pack(bomb(20))
    [problem] = caught.value.problems
    assert problem.path == "line 1, column 5"
    assert "anchors and aliases" in problem.message


def test_an_alias_is_refused_with_its_line_even_without_an_anchor_in_view() -> None:
    document = yaml.safe_dump(minimal()).encode() + b"extra: *somewhere\n"
    with pytest.raises(InvalidPack) as caught:
        parse_pack(document)
    line = document.decode().count("\n")
    assert caught.value.problems[0].path == f"line {line}, column 8"


def test_a_lone_anchor_is_refused_too() -> None:
    with pytest.raises(safe_yaml.YamlRefused) as caught:
        safe_yaml.load(b"statement: &s {capability: X}\n")
    assert caught.value.problem.path == "line 1, column 12"


def test_nesting_deeper_than_the_bound_is_refused_where_it_goes_too_deep() -> None:
    deep = b"a: " + b"[" * 40 + b"]" * 40 + b"\n"
    with pytest.raises(safe_yaml.YamlRefused) as caught:
        safe_yaml.load(deep)
    assert caught.value.problem.message == f"nested more than {safe_yaml.MAX_DEPTH} levels deep"
    # The mapping is the first level, so the bracket at column 3 + MAX_DEPTH opens one level too many.
    assert caught.value.problem.path == f"line 1, column {3 + safe_yaml.MAX_DEPTH}"


def test_an_oversized_document_is_refused_unread() -> None:
    with pytest.raises(safe_yaml.YamlRefused) as caught:
        safe_yaml.load(b"#" * (safe_yaml.MAX_BYTES + 1))
    assert "send larger packs as JSON" in caught.value.problem.message


def test_plain_yaml_still_reads_as_json_does() -> None:
    assert safe_yaml.load(b"a: [1, 2]\nb: {c: text}\n") == {"a": [1, 2], "b": {"c": "text"}}


def test_a_rule_file_with_an_alias_is_an_invalid_ruleset(tmp_path: Path) -> None:
    for source in bundled_rules_dir().glob("*.yaml"):
        (tmp_path / source.name).write_bytes(source.read_bytes())
    (tmp_path / "lsc99-bomb.yaml").write_bytes(bomb(20))
    with pytest.raises(InvalidRuleset) as caught:
        load_ruleset(tmp_path)
    assert "lsc99-bomb.yaml" in caught.value.message
    assert caught.value.problems[0].path == "line 1, column 5"


def test_lsc_check_refuses_a_bomb_with_exit_two_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_bytes(bomb(20))
    run = subprocess.run(
        [sys.executable, "-m", "lsc_engine", "check", str(path)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 2
    assert "line 1, column 5: YAML anchors and aliases" in run.stderr


@pytest.mark.parametrize(
    ("document", "why"),
    [(b"a: 2020-13-45\n", "month must be in 1..12"), (b"a: " + b"9" * 5000 + b"\n", "Exceeds the limit")],
)
def test_a_scalar_that_cannot_be_read_is_refused_not_a_crash(document: bytes, why: str) -> None:
    with pytest.raises(safe_yaml.YamlRefused) as caught:
        safe_yaml.load(document)
    assert caught.value.problem.message.startswith("not valid YAML: a value cannot be read")
    assert why in caught.value.problem.message
