"""Which build of the evaluation core runs: the extensions the wheel compiles with mypyc, or the Python sources."""

from __future__ import annotations

from importlib.machinery import EXTENSION_SUFFIXES


def core_compiled() -> bool:
    """Tell whether the evaluation core runs compiled (an installed wheel) rather than from its Python sources."""
    from lsc_engine.core import decision

    return decision.__file__ is not None and decision.__file__.endswith(tuple(EXTENSION_SUFFIXES))


def core_build() -> str:
    """Name the build of the evaluation core that runs, in words."""
    return "evaluation core compiled" if core_compiled() else "evaluation core from Python sources"
