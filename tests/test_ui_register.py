"""The conditions register in a real browser: the thread across capabilities, filtering, the Excel download, axe."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from lsc_engine.access.policy import Role

from .browser import Visit, screenshot, serious_accessibility_violations

pytestmark = pytest.mark.browser

ORIGIN = "the approval of the first set of entries onto the EPCL (SSC, July 2019)"


def test_the_register_threads_filters_and_downloads(visit: Visit) -> None:
    page = visit.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Conditions register").click()
    page.wait_for_url(f"{visit.base}/register")
    assert page.locator("h1").inner_text() == "Conditions register"
    thread = page.locator("section[aria-labelledby=threads-h] tbody").first
    heading = thread.locator("tr.rg-group").inner_text()
    assert f"From {ORIGIN}." in heading
    assert "MOC-MDS as condition 2 (open) and MOC-SECURE as condition 3 (open)" in heading
    assert thread.locator("th[scope=row]").all_inner_texts() == ["MOC-MDS, condition 2", "MOC-SECURE, condition 3"]
    assert serious_accessibility_violations(visit) == []

    page.get_by_label("Capability", exact=True).select_option("MOC-SECURE")
    page.get_by_label("Kind", exact=True).select_option(label="Prerequisite to go-live")
    page.get_by_label("Still to be met only").check()
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"{visit.base}/register?capability=MOC-SECURE&owner=&kind=prerequisite_go_live&status=&open=true")
    summary = page.locator(".rg-summary").inner_text()
    assert "capability MOC-SECURE, kind: prerequisite to go-live, still open only: 2 conditions" in summary
    rows = page.locator("section[aria-labelledby=capabilities-h] th[scope=row]").all_inner_texts()
    assert rows == ["condition 1", "condition 2"]
    assert page.locator("section[aria-labelledby=threads-h]").count() == 0  # the carried condition is filtered out
    assert page.get_by_label("Capability", exact=True).input_value() == "MOC-SECURE"  # the form keeps what was chosen
    screenshot(visit, "conditions-register")
    assert serious_accessibility_violations(visit) == []

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download as Excel").click()
    download = downloading.value
    assert download.suggested_filename.startswith("conditions-register-")
    path = download.path()
    sheet = load_workbook(io.BytesIO(path.read_bytes()))["Conditions"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert [row[:2] for row in values[1:]] == [["MOC-SECURE", 1], ["MOC-SECURE", 2]]
    assert {row[2] for row in values[1:]} == {"Prerequisite to go-live"}


def test_the_register_on_a_phone_stacks_its_rows(visit: Visit) -> None:
    page = visit.page
    visit.sign_in(Role.OBSERVER)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{visit.base}/register")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the register is {width} px wide on a 390 px screen"
    assert serious_accessibility_violations(visit) == []
