"""The dashboard in a real browser."""

from __future__ import annotations

from .browser import Visit, screenshot, serious_accessibility_violations


def test_dashboard_lists_both_seed_capabilities(visit: Visit) -> None:
    page = visit.page
    page.goto(visit.base + "/")  # type: ignore[attr-defined]
    rows = page.locator("tbody tr")  # type: ignore[attr-defined]
    assert rows.count() == 2
    mds = page.locator("tbody tr", has_text="MOC-MDS")  # type: ignore[attr-defined]
    assert "Ready with conditions" in mds.inner_text()
    secure = page.locator("tbody tr", has_text="MOC-SECURE")  # type: ignore[attr-defined]
    assert "Not ready" in secure.inner_text()
    assert "Blocked" in secure.inner_text()
    assert page.evaluate("() => window.htmx && window.htmx.version") == "2.0.11"  # type: ignore[attr-defined]
    screenshot(visit, "dashboard")
    assert serious_accessibility_violations(visit) == []
