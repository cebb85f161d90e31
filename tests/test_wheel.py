"""The installed package: a wheel of this checkout, in a fresh environment elsewhere, checks a pack and serves pages.

The tests run in the development environment, whose editable install reads templates, static files and rules
straight from the checkout, so a file the wheel leaves out would go unseen there. Here the wheel is built,
installed with the locked dependencies (requirements/runtime.txt) into a new virtual environment in a
temporary folder, and run from a folder outside the checkout, with no PYTHONPATH and no LSC_* settings from
the caller.

The locked dependencies are built into wheels once per lock file and kept in the user's cache
(``$XDG_CACHE_HOME/lsc-engine/wheels``, else ``~/.cache/...``), so that later runs install them offline in
seconds; the first run needs the package index and a C compiler (durable-rules ships as source only).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from starlette.routing import compile_path

from api.app import create_app
from lsc_engine import load_ruleset
from lsc_engine.settings import Settings

from .conftest import FIXTURES, ROOT, RULES
from .live import HOST, free_port
from .routes import served

pytestmark = [pytest.mark.wheel, pytest.mark.live]

LOCK = ROOT / "requirements" / "runtime.txt"
MDS = "seed-moc-mds-2020-03.json"
SECURE = "seed-moc-secure-2020-08.json"
CAPABILITY = "MOC-MDS"
#: Where each folder of the checkout lands in the installed package.
SHIPPED = {ROOT / "api": Path("api"), ROOT / "lsc_engine": Path("lsc_engine"), RULES: Path("lsc_engine/rules")}


@dataclass(frozen=True)
class Installed:
    """A virtual environment holding the wheel, and a folder outside the checkout to run it from."""

    venv: Path
    workdir: Path
    env: dict[str, str]

    def bin(self, name: str) -> str:
        """Return the path of a command installed in the environment."""
        return str(self.venv / "bin" / name)

    def run(self, *command: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run a command from the working folder with the environment's settings (and ``extra``)."""
        return subprocess.run(
            command,
            cwd=self.workdir,
            env={**self.env, **(extra or {})},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


def _checked(run: subprocess.CompletedProcess[str], what: str) -> str:
    assert run.returncode == 0, f"{what} failed with exit {run.returncode}:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return run.stdout


def _cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def _locked_wheels(scratch: Path) -> Path:
    """Return a folder of wheels of every locked dependency, building it the first time this lock file is seen."""
    key = hashlib.sha256(LOCK.read_bytes()).hexdigest()[:16]
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}-{platform.machine()}"
    wheels = _cache_home() / "lsc-engine" / "wheels" / f"{key}-{tag}"
    if wheels.is_dir():
        return wheels
    if not (shutil.which("cc") or shutil.which("gcc")):
        pytest.skip("building the locked wheels needs a C compiler (durable-rules ships as source only); none found")
    building = scratch / "locked-wheels"
    build = [sys.executable, "-m", "pip", "wheel", "--quiet", "--require-hashes", "--no-deps", "-r", str(LOCK)]
    _checked(subprocess.run([*build, "-w", str(building)], capture_output=True, text=True, check=False), "pip wheel")
    wheels.parent.mkdir(parents=True, exist_ok=True)
    with suppress(OSError):  # another run got there first: its folder is as good
        building.rename(wheels)
    return wheels


def _clean_environment() -> dict[str, str]:
    """Return this process's environment without what would lead the installed package back to the checkout."""
    dropped = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("LSC_")}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build the wheel, install it with its locked dependencies into a fresh environment, offline."""
    scratch = tmp_path_factory.mktemp("wheel")
    assert not scratch.resolve().is_relative_to(ROOT), "the environment must be outside the checkout"
    wheels = _locked_wheels(scratch)
    dist = scratch / "dist"
    build = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(ROOT), "-w", str(dist)]
    _checked(subprocess.run(build, capture_output=True, text=True, check=False), "building the wheel")
    (wheel,) = dist.glob("lsc_engine-*.whl")
    venv = scratch / "venv"
    make_venv = [sys.executable, "-m", "venv", "--without-pip", str(venv)]  # this pip installs into it
    _checked(subprocess.run(make_venv, capture_output=True, text=True, check=False), "creating the environment")
    workdir = scratch / "elsewhere"
    workdir.mkdir()
    target = Installed(venv, workdir, _clean_environment())
    pip = [sys.executable, "-m", "pip", "--python", target.bin("python")]
    # The folder holds exactly the locked set, checked against the lock's hashes when it was built (a wheel built
    # here from a source archive has a hash of its own, so the lock's cannot be checked again on install).
    locked = [str(path) for path in sorted(wheels.glob("*.whl"))]
    install = [*pip, "install", "--quiet", "--no-index", "--no-deps", "--no-compile", *locked, str(wheel)]
    _checked(target.run(*install), "installing the locked wheels and the package, offline")
    _checked(target.run(*pip, "check"), "pip check (the lock satisfies the package's ranges)")
    return target


def _site_packages(installed: Installed) -> Path:
    code = "import api, lsc_engine, pathlib; print(pathlib.Path(lsc_engine.__file__).parent.parent)"
    return Path(_checked(installed.run(installed.bin("python"), "-c", code), "importing the package").strip())


def test_the_wheel_carries_every_template_static_file_migration_and_rule(installed: Installed) -> None:
    site = _site_packages(installed)
    assert site.is_relative_to(installed.venv), f"the package was imported from {site}, not the new environment"
    missing = [
        f"{source.relative_to(ROOT)} (as {shipped / source.relative_to(folder)})"
        for folder, shipped in SHIPPED.items()
        for source in sorted(folder.rglob("*"))
        if source.is_file()
        and "__pycache__" not in source.parts
        and not (site / shipped / source.relative_to(folder)).is_file()
    ]
    assert missing == [], "the wheel leaves out:\n" + "\n".join(missing)


def test_the_installed_lsc_check_rates_a_pack_with_the_packaged_ruleset(installed: Installed) -> None:
    shutil.copy(FIXTURES / MDS, installed.workdir / MDS)
    run = installed.run(installed.bin("lsc"), "check", MDS, "--format", "json")
    assert run.returncode == 3, f"expected 3 (ready with conditions):\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}"
    evaluation = json.loads(run.stdout)
    assert evaluation["overall"] == "ready_with_conditions"
    assert evaluation["ruleset_digest"] == load_ruleset(RULES).digest, "the packaged ruleset differs from rules/"
    assert not (installed.workdir / "rules").exists()


@contextmanager
def _serving(installed: Installed, data: Path) -> Iterator[httpx.Client]:
    """Run the installed ``lsc serve`` on a free 127.0.0.1 port until the block ends; yield a client of it."""
    port = free_port()
    log = data / "serve.log"
    settings = {"LSC_DATA_DIR": str(data), "LSC_COOKIE_SECURE": "false"}  # the client signs in over plain HTTP
    with log.open("wb") as output:
        server = subprocess.Popen(
            [installed.bin("lsc"), "serve", "--host", HOST, "--port", str(port)],
            cwd=installed.workdir,
            env={**installed.env, **settings},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            with httpx.Client(base_url=f"http://{HOST}:{port}", timeout=60, trust_env=False) as client:
                _wait_healthy(client, server, log)
                yield client
        except BaseException:
            print(f"\n--- lsc serve log ---\n{log.read_text(errors='replace')[-5000:]}", file=sys.stderr)
            raise
        finally:
            with suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            finally:
                with suppress(ProcessLookupError):
                    os.killpg(server.pid, signal.SIGKILL)


def _wait_healthy(client: httpx.Client, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, f"lsc serve exited with {server.returncode}:\n{log.read_text(errors='replace')}"
        with suppress(httpx.TransportError):
            if client.get("/healthz").status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"lsc serve did not answer /healthz within 60 s:\n{log.read_text(errors='replace')}")


def _page_addresses(ids: dict[str, list[str]], scratch: Path) -> list[str]:
    """Return an address for every page (GET) the application serves, once for each value of its parameters."""
    app = create_app(Settings(data_dir=scratch / "routes"))
    addresses = []
    for route in sorted(served(app), key=lambda r: r.path):
        if not route.page or route.method != "GET" or route.path == "/login":
            continue
        _, _, params = compile_path(route.path)
        unknown = set(params) - set(ids)
        assert not unknown, f"the test cannot fill {route.path}: teach it {sorted(unknown)}"
        values: list[dict[str, str]] = [{}]
        for name in sorted(params):
            values = [{**value, name: choice} for value in values for choice in ids[name]]
        addresses += [route.path.format(**value) for value in values]
    return addresses


def _page(answer: httpx.Response, address: str) -> str:
    assert answer.status_code == 200, f"GET {address}: {answer.status_code}\n{answer.text[:2000]}"
    assert answer.headers["content-type"].startswith("text/html"), address
    assert "Traceback" not in answer.text
    return answer.text


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _sign_in(client: httpx.Client, token: str) -> None:
    signed_in = client.post("/login", data={"token": token}, follow_redirects=False)
    assert signed_in.status_code == 303, signed_in.text[:2000]


def test_the_installed_service_serves_every_page(installed: Installed, tmp_path: Path) -> None:
    data = tmp_path / "data"
    for name in (MDS, SECURE):
        shutil.copy(FIXTURES / name, installed.workdir / name)
    settings = {"LSC_DATA_DIR": str(data)}
    _checked(installed.run(installed.bin("lsc"), "submit", MDS, SECURE, extra=settings), "lsc submit")
    create_admin = [installed.bin("lsc"), "tokens", "create", "--role", "admin", "--name", "Administrator"]
    admin = _checked(installed.run(*create_admin, extra=settings), "lsc tokens create").strip()
    groups = ("TAG", "OPSG", "SSC")  # each group's assessment page is its own members' (the Panel may not assess)
    with _serving(installed, data) as client:
        assert "Sign in" in _page(client.get("/login"), "/login")
        tokens = {}
        for role in ("PANEL", *groups):
            made = client.post("/v1/tokens", json={"role": role.lower(), "name": role}, headers=_bearer(admin))
            assert made.status_code == 201, made.text
            tokens[role] = made.json()["secret"]
        api = _bearer(tokens["PANEL"])
        submissions = client.get("/v1/submissions", headers=api).json()
        mds = next(s["id"] for s in submissions if s["capability"] == CAPABILITY)
        decided = client.post(
            f"/v1/submissions/{mds}/decisions",
            headers=api,
            json={"outcome": "recommend_with_conditions", "considered_on": "2020-03-06", "notes": "From the wheel."},
        )
        assert decided.status_code == 201, decided.text
        addresses = _page_addresses(
            {"submission_id": [mds], "capability": [CAPABILITY], "group": list(groups)}, tmp_path
        )
        assert f"/submissions/{mds}/decision" in addresses
        assessments = {f"/submissions/{mds}/assess/{group}": group for group in groups}
        assert set(assessments) <= set(addresses)

        _sign_in(client, tokens["PANEL"])
        for address in addresses:
            if address not in assessments:
                _page(client.get(address), address)
        for address, group in assessments.items():
            _sign_in(client, tokens[group])
            assert f"{group}" in _page(client.get(address), address)
        for asset in sorted((ROOT / "api" / "static").iterdir()):
            answer = client.get(f"/static/{asset.name}")
            assert answer.status_code == 200, f"/static/{asset.name}: {answer.status_code}"
            assert answer.content == asset.read_bytes()

        _sign_in(client, tokens["PANEL"])
        form = _page(client.get("/self-check"), "/self-check")
        found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', form)
        assert found, "the self-check form has no anti-forgery value"
        checked = client.post(
            "/self-check",
            data={"csrf_token": found.group(1)},
            files={"pack": (MDS, (FIXTURES / MDS).read_bytes(), "application/json")},
        )
        assert "Ready with conditions" in _page(checked, "POST /self-check")
        letter = client.get(f"/v1/decisions/{decided.json()['id']}/letter", params={"format": "pdf"}, headers=api)
        assert letter.status_code == 200, letter.text[:2000]
        assert letter.headers["content-type"] == "application/pdf"
        assert letter.content.startswith(b"%PDF-")
