"""The MOC MDS decision walked end to end in a browser, by following the links a Panel secretary would."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from lsc_engine.access.policy import Role

from .browser import Visit, screenshot


def test_moc_mds_decision_end_to_end(visit: Visit, tmp_path: Path) -> None:
    page = visit.page
    page.goto(visit.base + "/")
    page.get_by_role("link", name="MOC-MDS").click()
    assert page.locator("h1").inner_text().startswith("MOC-MDS")

    # Why is LSC9 Amber? Open the OPSG cell and read the reasons.
    cell = page.locator("#row-LSC9 td[data-group=OPSG] details")
    cell.locator("summary").click()
    reasons = " ".join(cell.inner_text().split())
    assert "Amber" in reasons
    assert "A revised BCDR plan is promised but not published" in reasons
    assert "MDS and Telefonica" in reasons
    assert "BCDR-PLAN" in reasons
    screenshot(visit, "walkthrough-lsc9")

    # SSC signs in and records the CIO-report condition as satisfied on the conditions board.
    submission_url = page.url
    visit.sign_in(Role.SSC)
    page.goto(submission_url)
    page.get_by_role("link", name="Conditions board", exact=True).click()
    cio = page.locator("#condition-cio-report-review")
    cio.get_by_text("Mark as satisfied").click()
    form = cio.locator("details.cm-action[open] form")
    form.get_by_label("Evidence").fill("SSC reviewed the CIO report and found no risk that prevents live operation.")
    form.locator("button[type=submit]").click()
    assert "cio-report-review: satisfied." in page.locator(".notice").inner_text()

    # The Panel signs in and records its decision, from the submission page.
    visit.sign_in(Role.PANEL)
    page.goto(submission_url)
    page.get_by_role("link", name="Panel decision", exact=True).click()
    decision = page.locator("#decision-form")
    decision.get_by_label("Recommend go-live with conditions").check()
    decision.get_by_label("Considered on").fill("2020-03-06")
    decision.locator("button[type=submit]").click()
    assert "Decision recorded" in page.locator(".notice").inner_text()
    decision_page = page.url.removeprefix(visit.base)
    screenshot(visit, "walkthrough-decision")

    # The letter, drafted, issued and downloaded as a PDF, names the DMCs, every attached condition with its kind,
    # and the Amber criteria.
    page.get_by_role("link", name="Draft, edit and issue the letter").click()
    draft = page.locator("#draft-form")
    draft.get_by_label("The letter's date").fill("2020-03-09")
    draft.locator("button[type=submit]").click()
    page.locator("#issue-form button[type=submit]").click()
    assert "Letter issued" in page.locator(".notice").inner_text()
    page.goto(page.url.split("/letters/")[0] + decision_page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download it (PDF)").click()
    pdf = tmp_path / "letter.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert shutil.which("pdftotext"), "poppler-utils is needed to read the letter back"
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    for dmc in ("MDS electricity meter with gas meter, active", "MDS single-phase electricity meter, active"):
        assert dmc in text
    for kind in ("Prerequisite to migration start", "Ongoing reporting", "Pause trigger"):
        assert kind in text
    assert "LSC 9 - Assurance of required Business Continuity" in text
    assert "revised plan that includes MDS and Telefonica" in text

    # With the CIO report satisfied and a decision recorded, go-live is open; migration waits for assurance.
    page.goto(visit.base + "/")
    row = " ".join(page.locator("tbody tr", has_text="MOC-MDS").inner_text().split())
    assert "Open Blocked" in row
