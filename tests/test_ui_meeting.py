"""The timeline and the meeting pack in a real browser: reached from the pages, the pack downloaded as a PDF."""

from __future__ import annotations

import subprocess

import pytest

from .browser import Visit, screenshot, serious_accessibility_violations

pytestmark = pytest.mark.browser


def test_a_capabilitys_timeline_from_its_submission_page(visit: Visit) -> None:
    page = visit.page
    page.goto(visit.base + "/")
    page.get_by_role("link", name="MOC-SECURE").first.click()
    page.get_by_role("link", name="Timeline").click()
    page.wait_for_url(f"{visit.base}/capabilities/MOC-SECURE/timeline")
    assert page.locator("h1").inner_text() == "Timeline: MOC-SECURE"
    chart = page.locator("svg.timeline-chart")
    assert chart.get_attribute("role") == "img"
    assert chart.locator("circle.mark-planned").count() > 0  # the planned deployment, acceptance and migration
    rows = page.locator("table.timeline tbody tr").all_inner_texts()
    assert any("Version 1 submitted" in row for row in rows)
    assert any("First migration (planned)" in row and "24 August 2020" in row for row in rows)
    screenshot(visit, "capability-timeline")
    assert serious_accessibility_violations(visit) == []


def test_the_meeting_pack_is_chosen_shown_and_downloaded(visit: Visit) -> None:
    page = visit.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Meeting pack").click()
    page.get_by_label("Meeting date").fill("2020-09-01")
    page.get_by_label("MOC-MDS").check()
    page.get_by_label("MOC-SECURE").check()
    page.get_by_role("button", name="Show the pack").click()
    page.wait_for_url("**/meetings/pack?on=2020-09-01&capability=MOC-MDS&capability=MOC-SECURE")
    assert page.locator("h1").inner_text() == "Meeting pack for 1 September 2020"
    agenda = page.locator(".meeting-agenda li").all_inner_texts()
    assert [item.split(":")[0] for item in agenda] == ["MOC-MDS", "MOC-SECURE"]
    assert serious_accessibility_violations(visit) == []
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download the pack as one PDF").click()
    download = downloading.value
    assert download.suggested_filename == "lsc-meeting-pack-2020-09-01.pdf"
    text = subprocess.run(["pdftotext", str(download.path()), "-"], capture_output=True, check=True).stdout.decode()
    assert "SEC Panel meeting pack, 1 September 2020" in text
    assert "Criteria not rated Green" in text
    assert "1. MOC-MDS" in text
    assert "2. MOC-SECURE" in text
