"""Build hook: compile the evaluation core into C extensions with mypyc when building the wheel.

The compiled modules sit beside their sources in the wheel, and Python imports an extension before a source of the
same name. The sources are compiled from a copy of the package in a scratch folder, so that the checkout never holds
a compiled module that would shadow an edited source, and a build refuses to start while the checkout holds one. An
editable install stays pure Python, and so does a wheel built with ``LSC_ENGINE_PURE=1``; ``tests/test_wheel.py``
checks that the compiled core rates packs byte for byte as the sources do.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

#: The modules an evaluation runs through, from a validated pack to the decision: the ones worth compiling.
COMPILED = [
    "lsc_engine/core/decision.py",
    "lsc_engine/core/path_to_green.py",
    "lsc_engine/core/matches.py",
    "lsc_engine/core/engine.py",
    "lsc_engine/core/messages.py",
    "lsc_engine/core/days.py",
    "lsc_engine/core/scope.py",
    "lsc_engine/core/words.py",
    "lsc_engine/core/rating.py",
    "lsc_engine/core/constructed.py",
    "lsc_engine/core/rule_records.py",
    "lsc_engine/core/written.py",
    "lsc_engine/core/facts/base.py",
    "lsc_engine/core/facts/derivation.py",
    "lsc_engine/core/facts/known.py",
    "lsc_engine/core/facts/acceptance.py",
    "lsc_engine/core/facts/aims.py",
    "lsc_engine/core/facts/bcdr.py",
    "lsc_engine/core/facts/consumers.py",
    "lsc_engine/core/facts/incident_log.py",
    "lsc_engine/core/facts/incidents.py",
    "lsc_engine/core/facts/migration.py",
    "lsc_engine/core/facts/milestones.py",
    "lsc_engine/core/facts/operations.py",
    "lsc_engine/core/facts/performance.py",
    "lsc_engine/core/facts/residual.py",
    "lsc_engine/core/facts/security.py",
    "lsc_engine/core/facts/testing.py",
]
#: The name of the library the compiled modules share (mypyc's runtime and their code), at the top of the wheel.
GROUP = "lsc_engine_core"

_SETUP = """
import sys
from mypyc.build import mypycify
from setuptools import setup

modules = sys.argv[1:]
sys.argv[1:] = ["build_ext", "--inplace"]
# No debug information: it would carry the scratch folder's name, and make each build's extensions differ.
setup(name="lsc-engine-core", ext_modules=mypycify(modules, opt_level="3", debug_level="0", group_name={group!r}))
"""


class CompiledCoreHook(BuildHookInterface):  # type: ignore[type-arg]
    """Compile the evaluation core into the wheel, from a scratch copy of the package."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Compile the core and add the extensions to the wheel, unless the build is editable or asked pure."""
        if self.target_name != "wheel":
            return
        stray = sorted(str(path.relative_to(self.root)) for path in Path(self.root, "lsc_engine").rglob("*.so"))
        if stray:
            # Python would load them ahead of their sources, in any build: an editable install would run them.
            raise RuntimeError(f"remove the compiled modules in the checkout before building: {', '.join(stray)}")
        if version == "editable" or os.environ.get("LSC_ENGINE_PURE") == "1":
            return
        self._scratch = Path(tempfile.mkdtemp(prefix="lsc-engine-mypyc-"))
        # Removed when the build ends, even one that fails and so never reaches ``finalize``.
        atexit.register(shutil.rmtree, self._scratch, ignore_errors=True)
        for path in _compile(Path(self.root), self._scratch):
            build_data["force_include"][str(path)] = str(path.relative_to(self._scratch))
        build_data["pure_python"] = False
        build_data["infer_tag"] = True

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        """Remove the scratch copy once the wheel holds what was compiled."""
        scratch = getattr(self, "_scratch", None)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _compile(root: Path, scratch: Path) -> list[Path]:
    """Compile the core from a copy of the package in ``scratch``; return the extensions built."""
    shutil.copytree(root / "lsc_engine", scratch / "lsc_engine", ignore=_not_source)
    # The project's own type-check settings; the modules named below take the place of its list of packages. Not
    # as pyproject.toml, which setuptools would read as its own.
    shutil.copy(root / "pyproject.toml", scratch / "project-settings.toml")
    (scratch / "setup.py").write_text(_SETUP.format(group=GROUP))
    settings = ["--config-file", "project-settings.toml", "--follow-imports", "silent"]
    command = [sys.executable, "setup.py", *settings, *COMPILED]
    done = subprocess.run(command, cwd=scratch, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"mypyc could not compile the evaluation core:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}\n"
            "Building it needs gcc, Python's headers and the build tools in requirements/build.txt with pydantic and "
            "msgspec; LSC_ENGINE_PURE=1 builds a pure Python wheel instead."
        )
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    built = [*scratch.glob(f"{GROUP}__mypyc{suffix}"), *(scratch / "lsc_engine").rglob(f"*{suffix}")]
    if len(built) != len(COMPILED) + 1:
        raise RuntimeError(f"mypyc built {len(built)} extensions, not {len(COMPILED) + 1}")
    return built


def _not_source(folder: str, names: list[str]) -> set[str]:
    """Leave caches and compiled files out of the scratch copy."""
    return {name for name in names if name == "__pycache__" or name.endswith((".so", ".pyd", ".pyc"))}
