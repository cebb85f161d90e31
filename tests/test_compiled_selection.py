"""What the compiled core covers: every section of facts is compiled, and every test of a compiled module runs on it.

The wheel compiles the modules ``hatch_build.COMPILED`` lists, and a whole ``scripts/test`` run repeats the tests it
lists in ``COMPILED_TESTS`` on them; a new section or a new test file of the evaluation would otherwise be left out
of one or the other without anyone noticing.
"""

from __future__ import annotations

import re

from hatch_build import COMPILED

from .conftest import ROOT

#: The test of the installed wheel, which compares the compiled core with the sources itself.
NOT_REPEATED = {"test_wheel.py"}


def _module(path: str) -> str:
    """Name the module a source file of the package holds."""
    return path.removesuffix(".py").replace("/", ".")


def _listed_tests() -> set[str]:
    """Read the test files scripts/test repeats on the compiled core."""
    script = (ROOT / "scripts" / "test").read_text()
    listed = re.search(r"COMPILED_TESTS=\(([^)]*)\)", script)
    assert listed is not None, "scripts/test lists no COMPILED_TESTS"
    return {name.removeprefix("tests/") for name in listed.group(1).split()}


def test_every_section_of_facts_and_the_decision_are_compiled() -> None:
    sections = {f"lsc_engine/core/facts/{p.name}" for p in (ROOT / "lsc_engine" / "core" / "facts").glob("*.py")}
    assert sections - {"lsc_engine/core/facts/__init__.py", "lsc_engine/core/facts/catalogue.py"} <= set(COMPILED)
    assert {"lsc_engine/core/decision.py", "lsc_engine/core/path_to_green.py"} <= set(COMPILED)


def test_every_test_of_a_compiled_module_runs_on_the_compiled_core() -> None:
    modules = "|".join(map(re.escape, sorted(_module(path) for path in COMPILED)))
    # A compiled module, or ``evaluate`` as the package exports it.
    importing = re.compile(rf"^from (?:(?:{modules}) import|lsc_engine import [^\n]*\bevaluate\b)", re.MULTILINE)
    testing = {path.name for path in (ROOT / "tests").glob("test_*.py") if importing.search(path.read_text())}
    listed = _listed_tests()
    assert listed - testing == set(), "scripts/test lists a file that tests no compiled module"
    assert testing - listed - NOT_REPEATED == set(), "a test of a compiled module that the compiled pass leaves out"
    assert testing >= NOT_REPEATED, "a file said to test a compiled module no longer does"
