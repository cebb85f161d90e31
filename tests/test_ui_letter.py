"""The Panel's letter in a real browser: draft it from the decision, edit it, preview it, issue it."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from lsc_engine.access.policy import Role

from .browser import Visit, screenshot, serious_accessibility_violations
from .test_ui_committee import submission_of, submit

pytestmark = pytest.mark.browser

REMARK = "Particular care is needed with active installations: their consumers are live."


def test_draft_edit_preview_and_issue_the_letter(visit: Visit, tmp_path: Path) -> None:
    page = visit.page
    secure = submission_of(visit, "MOC-SECURE")
    decided = page.request.post(
        f"{visit.base}/v1/submissions/{secure}/decisions",
        headers={"Authorization": f"Bearer {visit.tokens[Role.PANEL]}"},
        data={"outcome": "do_not_recommend", "considered_on": "2020-08-07"},
    )
    if decided.status == 409:  # another test of this module decided first: correct it, as the Panel would
        current = decided.json()["details"]["current_decision"]
        decided = page.request.post(
            f"{visit.base}/v1/submissions/{secure}/decisions",
            headers={"Authorization": f"Bearer {visit.tokens[Role.PANEL]}"},
            data={"outcome": "do_not_recommend", "considered_on": "2020-08-07", "supersedes": current},
        )
    assert decided.status == 201, decided.text()

    page.goto(f"{visit.base}/submissions/{secure}/decision")
    page.get_by_role("link", name="Draft, edit and issue the letter").click()
    page.wait_for_load_state()
    assert "No letter has been drafted on this decision yet." in page.locator("main").inner_text()
    form = page.locator("#draft-form")
    form.get_by_label("The letter's date").fill("2020-08-10")
    assert submit(page, form) == 303
    assert "Draft started" in page.locator(".notice").inner_text()
    assert page.locator("h1").inner_text() == "Draft letter, revision 1"

    # A date before the Panel considered the evidence is refused beside the field, and nothing is saved.
    edit = page.locator("#edit-form")
    edit.get_by_label("The letter's date").fill("2020-08-01")
    assert submit(page, edit) == 422
    assert (
        "before the Panel considered the evidence on 2020-08-07" in page.locator("#edit-letter_date-error").inner_text()
    )
    assert page.locator("h1").inner_text() == "Draft letter, revision 1"

    edit = page.locator("#edit-form")
    edit.get_by_label("The letter's date").fill("2020-08-11")
    edit.get_by_label("The Panel's remarks").fill(REMARK)
    assert submit(page, edit) == 303
    assert "Draft saved as revision 2." in page.locator(".notice").inner_text()
    screenshot(visit, "letter-draft")
    assert serious_accessibility_violations(visit) == []

    page.get_by_role("link", name="Preview the letter").click()
    page.wait_for_load_state()
    preview = " ".join(page.locator("body").inner_text().split())
    assert "11 August 2020 Dear Duncan," in preview
    assert REMARK in preview
    assert "II. the Panel does not agree that" in preview
    page.go_back()

    assert submit(page, page.locator("#issue-form")) == 303
    assert "Letter issued" in page.locator(".notice").inner_text()
    assert page.locator("h1").inner_text() == "Issued letter"
    assert page.locator("#edit-form").count() == 0, "an issued letter has nothing to edit"
    digests = dict(
        zip(
            page.locator("table th[scope=row]").all_inner_texts(),
            page.locator("table code").all_inner_texts(),
            strict=True,
        )
    )
    screenshot(visit, "letter-issued")
    assert serious_accessibility_violations(visit) == []

    with page.expect_download() as download:
        page.get_by_role("link", name="The letter as PDF").click()
    pdf = tmp_path / "letter.pdf"
    download.value.save_as(pdf)
    assert "sha256:" + hashlib.sha256(pdf.read_bytes()).hexdigest() == digests["letter.pdf"]
    assert shutil.which("pdftotext"), "poppler-utils is needed to read the letter back"
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    assert "11 August 2020" in text
    assert REMARK in text
    assert "Yours sincerely, Peter Davies SEC Panel Chair" in text
