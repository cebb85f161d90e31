"""How a benchmark hands over its result: printed, and saved where asked, saying which build of lsc-engine it ran."""

from __future__ import annotations

from pathlib import Path

from lsc_engine.core.compiled import core_compiled


def measured_build() -> str:
    """Say which lsc-engine a benchmark measures: the wheel's compiled core, or the checkout's pure Python."""
    if core_compiled():
        return "Measured on the built wheel: the evaluation core compiled by mypyc, as users install it."
    return "Measured on pure Python sources (the checkout): `bash scripts/bench` measures the wheel users install."


def publish(text: str, output: Path) -> None:
    """Print a result table under the build it measured, and write both to ``output`` (its folder made if need be)."""
    text = f"{measured_build()}\n\n{text}"
    print(text)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
