"""Browser tests' fixtures: Debian's Chromium driven headless by Playwright, against a seeded live server.

The browser is never downloaded (`playwright install` needs the internet): Playwright launches the
system Chromium. Every request the page makes is recorded, so a test can check it stayed on 127.0.0.1.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import pytest

from lsc_engine.access.policy import Role
from lsc_engine.settings import Settings
from lsc_engine.store import migrate

from .live import ROOT, LiveServer, server_environment

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = ROOT / "tests" / "artifacts"
AXE = ROOT / "tests" / "vendor" / "axe.min.js"
SEEDS = ["fixtures/seed-moc-mds-2020-03.json", "fixtures/seed-moc-secure-2020-08.json"]


@dataclass
class Visit:
    """A browser page on the live server, with every URL it requested."""

    page: Page
    base: str
    tokens: dict[Role, str] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def sign_in(self, role: Role) -> None:
        """Sign in on the sign-in page with the role's token, as a person would (signing out first)."""
        page = self.page
        page.context.clear_cookies()
        page.goto(f"{self.base}/login")
        page.get_by_label("Token").fill(self.tokens[role])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{self.base}/")

    def off_machine(self) -> list[str]:
        """Return any request that left 127.0.0.1."""
        return [url for url in self.requests if urlparse(url).hostname not in ("127.0.0.1", None)]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """A headless Chromium for the whole session (skipped, or in CI failed, when Chromium is missing)."""
    import os

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed: CI must run the browser tests")
        pytest.skip("Chromium is not installed (scripts/system-packages installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def seeded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server on a fresh SQLite file holding the two seed packs, loaded as a user would."""
    folder = tmp_path_factory.mktemp("ui")
    settings = Settings(data_dir=folder / "data")
    migrate.upgrade(settings)
    loaded = subprocess.run(
        [sys.executable, "-m", "lsc_engine", "submit", *SEEDS],
        cwd=ROOT,
        env=server_environment(settings),
        capture_output=True,
        text=True,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr
    with LiveServer(settings, folder) as server:
        yield server


@pytest.fixture
def visit(browser: Browser, seeded_server: LiveServer) -> Iterator[Visit]:
    """A fresh browser page on the seeded server; fails the test if it requested anything off the machine."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    current = Visit(page=page, base=seeded_server.url, tokens=seeded_server.tokens)
    page.on("request", lambda request: current.requests.append(request.url))
    page.on("console", lambda message: _console(current, message))
    current.sign_in(Role.PANEL)
    yield current
    context.close()
    assert current.off_machine() == []
    assert [e for e in current.console_errors if "Content Security Policy" in e] == []


def _console(visit: Visit, message: ConsoleMessage) -> None:
    """Keep the browser's console errors (a blocked inline script or style shows up there)."""
    if message.type == "error":
        visit.console_errors.append(message.text)


def screenshot(visit: Visit, name: str) -> Path:
    """Save a full-page screenshot of the current page as a test artefact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    visit.page.screenshot(path=str(path), full_page=True)
    return path


def serious_accessibility_violations(visit: Visit) -> list[dict[str, object]]:
    """Run axe-core (vendored) on the current page and return violations of serious or critical impact."""
    page = visit.page
    # Evaluated through the driver, which the page's Content-Security-Policy does not govern.
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
