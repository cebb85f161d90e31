"""The installed package: a wheel of this checkout, in a fresh environment elsewhere, checks a pack and serves pages.

The tests run in the development environment, whose editable install reads templates, static files and rules
straight from the checkout, so a file the wheel leaves out would go unseen there. Here the wheel is built,
installed with the locked dependencies (requirements/runtime.txt) into a new virtual environment in a
temporary folder, and run from a folder outside the checkout, with no PYTHONPATH and no LSC_* settings from
the caller.

The locked dependencies are installed from the wheels ``scripts/setup`` builds into ``.wheels/runtime``
(``scripts/wheelhouse``), and the package is built with the development environment's own build backend, so
the tests fetch nothing.

With ``LSC_TEST_IMAGE`` naming a Docker image (``scripts/image-smoke`` builds one and sets it), the same tests
run against the image as well: commands through ``docker run``, the service published on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Protocol

import httpx
import pytest
from starlette.routing import compile_path

from api.app import create_app
from bench.gen import AS_AT as GENERATED_AS_AT
from bench.gen import generate
from lsc_engine import evaluate, load_ruleset, read_pack
from lsc_engine.core.model_json import model_json
from lsc_engine.settings import Settings

from .conftest import EXPECTED, FIXTURE_PACKS, FIXTURES, ROOT, RULES
from .live import HOST, free_port
from .routes import served

pytestmark = [pytest.mark.wheel, pytest.mark.live]

LOCK = ROOT / "requirements" / "runtime.txt"
WHEELHOUSE = ROOT / ".wheels" / "runtime"
MDS = "seed-moc-mds-2020-03.json"
SECURE = "seed-moc-secure-2020-08.json"
CAPABILITY = "MOC-MDS"
#: Where each folder of the checkout lands in the installed package.
SHIPPED = {ROOT / "api": Path("api"), ROOT / "lsc_engine": Path("lsc_engine"), RULES: Path("lsc_engine/rules")}


class Target(Protocol):
    """An installed lsc-engine: the commands it runs and the service it serves, from a folder outside the checkout."""

    workdir: Path  # what the commands see as their working folder (the packs are copied here)
    data: Path  # the data folder (the SQLite file) every command and the service use

    def lsc(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run an ``lsc`` command in the working folder, on the data folder."""
        ...

    def python(self, code: str) -> subprocess.CompletedProcess[str]:
        """Run Python code with the installed interpreter."""
        ...

    def serve(self) -> AbstractContextManager[str]:
        """Run ``lsc serve`` on 127.0.0.1 until the block ends; yield its base URL once /healthz answers."""
        ...


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def _checked(run: subprocess.CompletedProcess[str], what: str) -> str:
    assert run.returncode == 0, f"{what} failed with exit {run.returncode}:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return run.stdout


def _clean_environment() -> dict[str, str]:
    """Return this process's environment without what would lead the installed package back to the checkout."""
    dropped = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("LSC_")}


@dataclass
class Venv:
    """The wheel in a virtual environment of its own."""

    venv: Path
    workdir: Path
    data: Path
    env: dict[str, str] = field(default_factory=_clean_environment)

    def bin(self, name: str) -> str:
        """Return the path of a command installed in the environment."""
        return str(self.venv / "bin" / name)

    def lsc(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run an ``lsc`` command in the working folder, on the data folder."""
        return _run([self.bin("lsc"), *args], self.workdir, {**self.env, "LSC_DATA_DIR": str(self.data)})

    def python(self, code: str) -> subprocess.CompletedProcess[str]:
        """Run Python code with the environment's interpreter."""
        return _run([self.bin("python"), "-c", code], self.workdir, self.env)

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Run ``lsc serve`` on a free 127.0.0.1 port until the block ends; yield its base URL once healthy."""
        port = free_port()
        log = self.workdir / f"serve-{port}.log"
        # The client signs in over plain HTTP, so the session cookie may not be marked Secure.
        env = {**self.env, "LSC_DATA_DIR": str(self.data), "LSC_COOKIE_SECURE": "false"}
        command = [self.bin("lsc"), "serve", "--host", HOST, "--port", str(port)]
        with log.open("wb") as output:
            server = subprocess.Popen(
                command, cwd=self.workdir, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
            try:
                _wait_healthy(f"http://{HOST}:{port}", lambda: server.poll() is None)
                yield f"http://{HOST}:{port}"
            except BaseException:
                print(f"\n--- lsc serve log ---\n{log.read_text(errors='replace')[-5000:]}", file=sys.stderr)
                raise
            finally:
                _end(server)


def _end(server: subprocess.Popen[bytes]) -> None:
    """Stop a server this module started, and whatever it started, for good."""
    with suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    finally:
        with suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)


@dataclass
class Image:
    """A Docker image of the service: each command in a container of its own, on a data folder mounted as /data."""

    image: str
    workdir: Path
    data: Path

    def _docker_run(self, *args: str) -> list[str]:
        mounts = ["-v", f"{self.workdir}:/work:ro", "-w", "/work", "-v", f"{self.data}:/data"]
        return ["docker", "run", "--rm", *mounts, *args]

    def lsc(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run an ``lsc`` command in a new container (the image's entry point is lsc)."""
        return _run(self._docker_run(self.image, *args), self.workdir)

    def python(self, code: str) -> subprocess.CompletedProcess[str]:
        """Run Python code in a new container."""
        return _run(self._docker_run("--entrypoint", "python", self.image, "-c", code), self.workdir)

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Run the image's own command (``lsc serve``) published on a free 127.0.0.1 port until the block ends."""
        port = free_port()
        name = f"lsc-smoke-{port}"
        published = ["--name", name, "-p", f"{HOST}:{port}:8000", "-e", "LSC_COOKIE_SECURE=false"]
        _checked(_run(self._docker_run("-d", *published, self.image), self.workdir), "docker run")
        try:
            _wait_healthy(f"http://{HOST}:{port}", lambda: _run(["docker", "top", name], self.workdir).returncode == 0)
            yield f"http://{HOST}:{port}"
        except BaseException:
            logs = _run(["docker", "logs", name], self.workdir)
            print(f"\n--- container log ---\n{(logs.stdout + logs.stderr)[-5000:]}", file=sys.stderr)
            raise
        finally:
            _run(["docker", "stop", name], self.workdir)


def _wait_healthy(url: str, running: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 90
    with httpx.Client(base_url=url, timeout=5, trust_env=False) as probe:
        while time.monotonic() < deadline:
            assert running(), "the service stopped while starting (its log follows)"
            with suppress(httpx.TransportError):
                if probe.get("/healthz").status_code == 200:
                    return
            time.sleep(0.2)
    raise AssertionError("the service did not answer /healthz within 90 s (its log follows)")


def _locked_wheels() -> Path:
    """Return the folder of wheels of every locked dependency that scripts/setup builds (scripts/wheelhouse)."""
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    stamp = WHEELHOUSE / "LOCK"
    current = stamp.is_file() and stamp.read_text().strip() == digest
    assert current, "the locked wheels are missing or older than requirements/runtime.txt: run bash scripts/setup"
    return WHEELHOUSE


def _wheel(scratch: Path) -> Path:
    """Build the wheel users install, with the development environment's build backend (so nothing is fetched).

    The compiled wheel is the one ``scripts/compiled`` builds, and keeps while the sources and packages stay the
    same, with the same command: a whole test run then compiles the core once, not twice. It is copied out while
    ``scripts/compiled`` holds its lock, so that no build for changed sources replaces it meanwhile. A pure Python
    wheel (``LSC_ENGINE_PURE=1``) is built here.
    """
    dist = scratch / "dist"
    dist.mkdir()
    if os.environ.get("LSC_ENGINE_PURE") == "1":
        build = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index", "--no-build-isolation"]
        _checked(_run([*build, str(ROOT), "-w", str(dist)], scratch), "building the wheel")
    else:
        copy = ["find", ".wheels/lsc", "-name", "lsc_engine-*.whl", "-exec", "cp", "{}", str(dist), ";"]
        _checked(_run(["bash", str(ROOT / "scripts" / "compiled"), *copy], scratch), "building the wheel")
    (wheel,) = dist.glob("lsc_engine-*.whl")
    return wheel


def _venv(scratch: Path) -> Venv:
    """Build the wheel and install it with its locked dependencies into a fresh environment, offline."""
    wheels = _locked_wheels()
    wheel = _wheel(scratch)
    target = Venv(scratch / "venv", scratch / "elsewhere", scratch / "data")
    # No pip of its own: this one installs into it.
    _checked(_run([sys.executable, "-m", "venv", "--without-pip", str(target.venv)], scratch), "creating the venv")
    pip = [sys.executable, "-m", "pip", "--python", target.bin("python")]
    # The folder holds exactly the locked set, checked against the lock's hashes when it was built (a wheel built
    # here from a source archive has a hash of its own, so the lock's cannot be checked again on install).
    locked = [str(path) for path in sorted(wheels.glob("*.whl"))]
    install = [*pip, "install", "--quiet", "--no-index", "--no-deps", "--no-compile", *locked, str(wheel)]
    _checked(_run(install, scratch, target.env), "installing the locked wheels and the package, offline")
    _checked(_run([*pip, "check"], scratch, target.env), "pip check (the lock satisfies the package's ranges)")
    return target


TARGETS = ["wheel", *(["image"] if os.environ.get("LSC_TEST_IMAGE") else [])]


@pytest.fixture(scope="module", params=TARGETS)
def installed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Target:
    """lsc-engine as installed from its wheel (and, when LSC_TEST_IMAGE names one, from the image)."""
    scratch = tmp_path_factory.mktemp(request.param)
    assert not scratch.resolve().is_relative_to(ROOT), "the installation must be outside the checkout"
    target: Target = (
        _venv(scratch)
        if request.param == "wheel"
        else Image(os.environ["LSC_TEST_IMAGE"], scratch / "elsewhere", scratch / "data")
    )
    target.workdir.mkdir()
    target.data.mkdir(mode=0o777)
    target.data.chmod(0o777)  # the image's user (not this one) writes the database there
    for name in (MDS, SECURE):
        shutil.copy(FIXTURES / name, target.workdir / name)
    return target


LIST_FILES = (
    "import json, pathlib, lsc_engine; site = pathlib.Path(lsc_engine.__file__).parent.parent; "
    "print(json.dumps({'site': str(site), 'files': [str(p.relative_to(site)) "
    "for d in ('api', 'lsc_engine') for p in (site / d).rglob('*') if p.is_file()]}))"
)


def test_the_installed_package_carries_every_template_static_file_migration_and_rule(installed: Target) -> None:
    listing = json.loads(_checked(installed.python(LIST_FILES), "listing the installed files"))
    if isinstance(installed, Venv):
        assert Path(listing["site"]).is_relative_to(installed.venv), f"imported from {listing['site']}, not the venv"
    shipped = set(listing["files"])
    missing = [
        f"{source.relative_to(ROOT)} (as {place / source.relative_to(folder)})"
        for folder, place in SHIPPED.items()
        for source in sorted(folder.rglob("*"))
        if source.is_file()
        and "__pycache__" not in source.parts
        and str(place / source.relative_to(folder)) not in shipped
    ]
    assert missing == [], "the installed package lacks:\n" + "\n".join(missing)


def test_the_installed_lsc_check_rates_a_pack_with_the_packaged_ruleset(installed: Target) -> None:
    run = installed.lsc("check", MDS, "--format", "json")
    assert run.returncode == 3, f"expected 3 (ready with conditions):\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}"
    evaluation = json.loads(run.stdout)
    assert evaluation["overall"] == "ready_with_conditions"
    assert evaluation["ruleset_digest"] == load_ruleset(RULES).digest, "the packaged ruleset differs from rules/"
    assert not (installed.workdir / "rules").exists()


#: Run in the installed package: whether its evaluation core is compiled, and a digest of each evaluation's JSON.
EVALUATE_ALL = """
import hashlib, json, pathlib
from datetime import date
from lsc_engine import evaluate, load_ruleset, read_pack
from lsc_engine.core.compiled import core_compiled
from lsc_engine.core.model_json import model_json
ruleset = load_ruleset()
asked = json.loads(pathlib.Path("compare/dates.json").read_text())
digests = {
    f"{name}@{day}": hashlib.sha256(model_json(evaluate(read_pack(pathlib.Path("compare", name)), ruleset,
    as_at=date.fromisoformat(day)))).hexdigest()
    for name, days in asked.items() for day in days
}
print(json.dumps({"compiled": core_compiled(), "digests": digests}))
"""


def _packs_to_compare(folder: Path) -> dict[str, list[str]]:
    """Write every fixture and three generated packs to ``folder``; return the dates to evaluate each at."""
    folder.mkdir()
    asked: dict[str, list[str]] = {}
    for name in FIXTURE_PACKS:
        shutil.copy(FIXTURES / name, folder / name)
        stated = date.fromisoformat(json.loads((EXPECTED / f"{Path(name).stem}.json").read_text())["as_at"])
        # The stated date, and two later ones, when more has fallen due and the path to green has moved on.
        asked[name] = [str(stated + timedelta(days=days)) for days in (0, 45, 400)]
    for size, seed in (("small", 1), ("small", 2), ("medium", 1)):
        name = f"generated-{size}-{seed}.json"
        (folder / name).write_text(json.dumps(generate(size, seed)))
        asked[name] = [str(GENERATED_AS_AT), str(GENERATED_AS_AT + timedelta(days=120))]
    (folder / "dates.json").write_text(json.dumps(asked))
    return asked


def test_the_installed_core_is_compiled_and_rates_every_pack_as_the_checkout_does(installed: Target) -> None:
    asked = _packs_to_compare(installed.workdir / "compare")
    answer = json.loads(_checked(installed.python(EVALUATE_ALL), "evaluating the packs with the installed package"))
    pure = "the installed core runs its Python sources: the wheel was not compiled (is LSC_ENGINE_PURE=1 set?)"
    assert answer["compiled"], pure
    version = _checked(installed.lsc("--version"), "lsc --version")
    assert version.endswith("(evaluation core compiled)\n"), version
    ruleset = load_ruleset(RULES)
    packs = {name: read_pack(installed.workdir / "compare" / name) for name in asked}
    here = {
        f"{name}@{day}": hashlib.sha256(
            model_json(evaluate(packs[name], ruleset, as_at=date.fromisoformat(day)))
        ).hexdigest()
        for name, days in asked.items()
        for day in days
    }
    differ = sorted(key for key, digest in here.items() if answer["digests"].get(key) != digest)
    assert len(here) == len(answer["digests"]) > 80
    assert differ == [], f"the compiled core and the checkout's sources disagree on: {differ}"


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


def test_the_installed_service_serves_every_page(installed: Target, tmp_path: Path) -> None:
    _checked(installed.lsc("submit", MDS, SECURE), "lsc submit")
    created = installed.lsc("tokens", "create", "--role", "admin", "--name", "Administrator")
    admin = _checked(created, "lsc tokens create").strip().splitlines()[-1]  # the secret, on the last line
    groups = ("TAG", "OPSG", "SSC")  # each group's assessment page is its own members' (the Panel may not assess)
    with installed.serve() as url, httpx.Client(base_url=url, timeout=120, trust_env=False) as client:
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
        decision = decided.json()["id"]
        drafted = client.post(f"/v1/decisions/{decision}/letters", headers=api, json={})
        assert drafted.status_code == 201, drafted.text
        pages = {
            "submission_id": [mds],
            "capability": [CAPABILITY],
            "group": list(groups),
            "decision_id": [decision],
            "letter_id": [drafted.json()["id"]],
        }
        addresses = _page_addresses(pages, tmp_path)
        assert f"/submissions/{mds}/decision" in addresses
        assessments = {f"/submissions/{mds}/assess/{group}": group for group in groups}
        assert set(assessments) <= set(addresses)

        _sign_in(client, tokens["PANEL"])
        downloads = {".csv": "text/csv", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        for address in addresses:
            kind = next((media for suffix, media in downloads.items() if address.endswith(suffix)), None)
            if kind is not None:  # a page's download: the register as a file
                answer = client.get(address)
                assert answer.status_code == 200, f"GET {address}: {answer.status_code}\n{answer.text[:2000]}"
                assert answer.headers["content-type"].startswith(kind), address
            elif address not in assessments:
                _page(client.get(address), address)
        for address, group in assessments.items():
            _sign_in(client, tokens[group])
            assert f"<h1>{group} assessment: {CAPABILITY}, version 1</h1>" in _page(client.get(address), address)
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
