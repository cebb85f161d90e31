"""How a benchmark hands over its result: printed, and saved where asked."""

from __future__ import annotations

from pathlib import Path


def publish(text: str, output: Path) -> None:
    """Print a result table and write it to ``output`` (its folder made if need be)."""
    print(text)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
