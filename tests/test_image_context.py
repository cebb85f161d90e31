"""The image's build context: every file the Dockerfile copies is one .dockerignore lets Docker send.

``scripts/image-smoke`` builds the image only where a Docker daemon answers, so a file left out of the context would
go unseen elsewhere; this reads both files and checks it without Docker.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from .conftest import ROOT

if not (ROOT / ".git").exists():
    pytest.skip("reads the checkout's Dockerfile and git's list of files", allow_module_level=True)


def _pattern(text: str) -> re.Pattern[str]:
    """Translate a .dockerignore pattern (``*``, ``?``, and ``**/`` for any folders) into a regular expression."""
    if re.search(r"[\[\\]|\*\*(?!/|$)", text):
        raise ValueError(f"this test cannot read the .dockerignore pattern {text!r}: teach it")
    parts = []
    for piece in re.split(r"(\*\*/?|\*|\?)", text.strip("/")):
        if piece.startswith("**"):
            parts.append("(?:.*/)?" if piece.endswith("/") else ".*")
        elif piece == "*":
            parts.append("[^/]*")
        elif piece == "?":
            parts.append("[^/]")
        else:
            parts.append(re.escape(piece))
    return re.compile("".join(parts))


def _rules() -> list[tuple[bool, re.Pattern[str]]]:
    """Read .dockerignore: each pattern, and whether it leaves out (True) or lets in again (False)."""
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    written = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return [(not line.startswith("!"), _pattern(line.removeprefix("!"))) for line in written]


def sent(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Tell whether Docker sends a path: the last pattern matching it, or a folder holding it, decides."""
    parts = path.split("/")
    decided = True
    for leaves_out, pattern in rules:
        if any(pattern.fullmatch("/".join(parts[:depth])) for depth in range(1, len(parts) + 1)):
            decided = not leaves_out
    return decided


def _copied() -> list[str]:
    """List the checkout's paths the Dockerfile's COPY instructions name (not those copied from another stage)."""
    sources = []
    for line in (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines():
        words = line.split()
        assert words[:1] != ["COPY"] or "[" not in line, f"this test cannot read the JSON form of {line!r}: teach it"
        if words[:1] == ["COPY"] and not any(word.startswith("--from") for word in words):
            sources += [word for word in words[1:-1] if not word.startswith("--")]
    return sources


def _tracked(source: str) -> list[str]:
    """Return the files git tracks at or under a path of the checkout."""
    listed = subprocess.run(["git", "ls-files", "--", source], cwd=ROOT, capture_output=True, text=True, check=True)
    return listed.stdout.splitlines()


def test_every_file_the_dockerfile_copies_is_in_the_build_context() -> None:
    rules = _rules()
    copied = _copied()
    assert {"pyproject.toml", "hatch_build.py", "lsc_engine", "requirements/build.txt"} <= set(copied)
    tracked = {source: _tracked(source) for source in copied}
    assert [source for source, held in tracked.items() if not held] == [], (
        "the Dockerfile copies what git does not hold"
    )
    files = [path for held in tracked.values() for path in held]
    assert len(files) > 100
    assert [path for path in files if not sent(path, rules)] == []


def test_the_context_leaves_out_what_the_image_is_not_built_from() -> None:
    rules = _rules()
    for path in (".venv/bin/python", "tests/conftest.py", "lsc_engine/core/__pycache__/days.cpython-311.pyc"):
        assert not sent(path, rules), path
    assert not sent("lsc_engine/core/days.cpython-311-x86_64-linux-gnu.so", rules), "a stray compiled module"
    assert sent("lsc_engine/core/days.py", rules)
