"""The dashboard in a real browser."""

from __future__ import annotations

from .browser import Visit, screenshot, serious_accessibility_violations


def test_dashboard_lists_both_seed_capabilities(visit: Visit) -> None:
    page = visit.page
    page.goto(visit.base + "/")
    rows = page.locator("tbody tr")
    assert rows.count() == 2
    mds = page.locator("tbody tr", has_text="MOC-MDS")
    assert "Ready with conditions" in mds.inner_text()
    secure = page.locator("tbody tr", has_text="MOC-SECURE")
    assert "Not ready" in secure.inner_text()
    assert "Blocked" in secure.inner_text()
    assert page.evaluate("() => window.htmx && window.htmx.version") == "2.0.11"
    screenshot(visit, "dashboard")
    assert serious_accessibility_violations(visit) == []
