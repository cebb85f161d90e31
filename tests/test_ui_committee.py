"""The committee's pages in a real browser: assessment form, conditions board, Panel decision and its letter.

The live server is shared by the tests of this module, so each test arranges what it needs and none relies
on another having run: assessments are re-recordable, only one test acts on MOC-MDS's conditions and
decision, and the tests on MOC-SECURE cope with a decision or hand-added conditions already being there.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from lsc_engine.access.policy import Role

from .browser import Visit, screenshot, serious_accessibility_violations

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page


def submission_of(visit: Visit, capability: str) -> str:
    """Return the id of the newest submission of a capability, as the gate reports it."""
    answer = visit.page.request.get(f"{visit.base}/v1/readiness/{capability}")
    assert answer.status == 200
    submission_id: str = answer.json()["submission_id"]
    return submission_id


def submit(page: Page, form: Locator, button: str | None = None) -> int:
    """Submit a form by its button and return the status of the POST's response (303 when it was recorded)."""
    with page.expect_response(lambda r: r.request.method == "POST") as response:
        (form.get_by_role("button", name=button) if button else form.locator("button[type=submit]")).click()
    page.wait_for_load_state()
    status: int = response.value.status
    return status


def test_opsg_records_every_decision_with_one_form(visit: Visit) -> None:
    page = visit.page
    visit.sign_in(Role.OPSG)
    mds = submission_of(visit, "MOC-MDS")
    page.goto(f"{visit.base}/submissions/{mds}/assess/OPSG")
    assert page.locator("h1").inner_text() == "OPSG assessment: MOC-MDS, version 1"
    form = page.locator("#assess-form")
    assert form.locator("section.cm-criterion h2").count() == 8  # LSC3 to LSC9 and the residual risks
    assert page.locator("main form").count() == 2  # the decisions and the revocation: no form per criterion
    for criterion in ("LSC6", "LSC8", "LSC9"):
        proposal = page.locator(f"#c-{criterion} .cm-proposal")
        assert "▲ Amber" in proposal.inner_text()
        assert proposal.locator(".cm-findings li").count() >= 1  # the non-green findings, as messages
    lsc6 = page.locator("#c-LSC6 .cm-proposal")
    assert "3 Category 1 or 2 incidents on other services" in lsc6.inner_text()
    green = page.locator("#c-LSC3 details.cm-green")  # what holds is there, folded
    assert green.locator("summary").inner_text().endswith("what holds")
    green.locator("summary").click()
    assert green.locator("li").count() >= 1
    assert "✔ Green" in green.locator("li").first.inner_text()

    page.get_by_label("Assessor").fill("OPSG Chair")
    row = page.locator("#row-LSC9")
    assert row.get_by_label("Rating", exact=True).input_value() == "amber"  # the proposal, where nothing is decided
    row.get_by_label("Rating", exact=True).select_option("green")
    row.get_by_label("Rationale").fill("Revised BCDR plan seen in draft by OPSG.")
    assert submit(page, form) == 303
    assert "LSC 9 Green" in page.locator(".notice").inner_text()
    assert "8 of 8" in page.locator(".cm-progress").inner_text()
    for criterion in ("LSC6", "LSC8"):
        decided = page.locator(f"#c-{criterion} .cm-decided").inner_text()
        assert ("▲ Amber" in decided, "Confirms the proposal" in decided) == (True, True)
    decided = page.locator("#c-LSC9 .cm-decided").inner_text()
    assert "Override of the proposed Amber" in decided
    assert "Revised BCDR plan seen in draft by OPSG." in decided
    screenshot(visit, "committee-assess")
    assert serious_accessibility_violations(visit) == []

    # A new visit starts from OPSG's decisions, with the name this account gave last.
    page.reload()
    page.goto(f"{visit.base}/submissions/{mds}/assess/OPSG")
    assert page.get_by_label("Assessor").input_value() == "OPSG Chair"
    row = page.locator("#row-LSC9")
    assert row.get_by_label("Rating", exact=True).input_value() == "green"
    assert row.get_by_label("Rationale").input_value() == "Revised BCDR plan seen in draft by OPSG."
    # Put OPSG's amber back, so the letter and the gate read as the other tests expect whatever the order.
    row.get_by_label("Rating", exact=True).select_option("amber")
    row.get_by_label("Rationale").fill("")
    assert submit(page, page.locator("#assess-form")) == 303
    assert page.locator(".notice").inner_text().endswith("recorded: LSC 9 Amber. 7 unchanged.")
    assert "Confirms the proposal" in page.locator("#c-LSC9 .cm-decided").inner_text()


def test_a_refused_form_names_the_criterion_and_keeps_every_value(visit: Visit) -> None:
    page = visit.page
    visit.sign_in(Role.OPSG)
    mds = submission_of(visit, "MOC-MDS")
    page.goto(f"{visit.base}/submissions/{mds}/assess/OPSG")
    before = page.locator("#c-LSC8 .cm-decided").inner_text()
    page.get_by_label("Assessor").fill("A. Reviewer")
    page.locator("#row-LSC8").get_by_label("Rating", exact=True).select_option("green")
    page.locator("#row-LSC6").get_by_label("Rationale").fill("Incident trend reviewed.")
    assert submit(page, page.locator("#assess-form")) == 422
    message = "LSC 8: Overriding the proposed amber with green needs a written rationale."
    assert message in page.locator(".cm-error-summary").inner_text()
    row = page.locator("#row-LSC8")
    assert message in row.locator(".error").inner_text()
    assert row.get_by_label("Rationale").get_attribute("aria-invalid") == "true"
    assert row.get_by_label("Rating", exact=True).input_value() == "green"
    assert page.locator("#row-LSC6").get_by_label("Rationale").input_value() == "Incident trend reviewed."
    assert page.get_by_label("Assessor").input_value() == "A. Reviewer"
    assert page.locator("#c-LSC8 .cm-decided").inner_text() == before  # nothing was recorded
    screenshot(visit, "committee-assess-refused")
    assert serious_accessibility_violations(visit) == []

    page.locator(".cm-error-summary a").first.click()  # the summary leads to the field
    row.get_by_label("Rating", exact=True).select_option("amber")
    page.locator("#row-LSC6").get_by_label("Rationale").fill("")
    assert submit(page, page.locator("#assess-form")) == 303


def test_the_panel_reads_each_groups_decisions_without_a_form(visit: Visit) -> None:
    page = visit.page
    mds = submission_of(visit, "MOC-MDS")
    answer = page.goto(f"{visit.base}/submissions/{mds}/assess/SSC")
    assert answer is not None
    assert answer.status == 200
    assert page.locator("main form").count() == 0  # nothing to record here
    assert page.locator("section.cm-criterion").count() >= 1
    assert "Only SSC records its decisions; this page shows them." in page.locator("main").inner_text()
    assert page.locator("#revoke-h").inner_text() == "Revocations by SSC"
    screenshot(visit, "committee-assess-panel")
    assert serious_accessibility_violations(visit) == []


def test_unknown_group_submission_and_capability_are_not_found(visit: Visit) -> None:
    page = visit.page
    mds = submission_of(visit, "MOC-MDS")
    visit.sign_in(Role.OPSG)
    answer = page.goto(f"{visit.base}/submissions/{mds}/assess/PANEL")
    assert answer is not None  # goto() returns None only for same-document navigation
    assert answer.status == 404
    assert "There is no group PANEL" in page.locator("main").inner_text()
    visit.sign_in(Role.PANEL)
    decision = page.goto(f"{visit.base}/submissions/nothing/decision")
    assert decision is not None
    assert decision.status == 404
    conditions = page.goto(f"{visit.base}/capabilities/NOTHING/conditions")
    assert conditions is not None
    assert conditions.status == 404
    assert "There is no evidence for a capability called NOTHING." in page.locator("main").inner_text()


def test_conditions_decision_letter_and_the_gate_opening(visit: Visit, tmp_path: Path) -> None:
    page = visit.page
    mds = submission_of(visit, "MOC-MDS")
    board = f"{visit.base}/capabilities/MOC-MDS/conditions"
    page.goto(board)
    cio = page.locator("#condition-cio-report-review")
    assert "Open" in cio.locator(".cm-badges").inner_text()
    assert page.locator("#kind-prerequisite-go-live #condition-cio-report-review").count() == 1
    assert "Go-live: ✖ Blocked" in page.locator(".cm-gate-panel").inner_text()

    # Empty evidence: the browser would stop it (the field is required), so post it as a browser without
    # form validation would, and see the service's message beside the form, which stays open.
    cio.get_by_text("Mark as satisfied").click()
    form = cio.locator("form", has=page.locator("input[value=satisfy]"))
    form.evaluate("f => { f.noValidate = true; }")
    assert submit(page, form) == 422
    cio = page.locator("#condition-cio-report-review")
    assert "To satisfy a condition, give evidence." in cio.locator("details.cm-action[open] .error").inner_text()
    assert "Open" in cio.locator(".cm-badges").inner_text()

    pause = page.locator("#condition-connectivity-pause")
    assert "Not armed" in pause.locator(".cm-badges").inner_text()
    pause.get_by_text("Arm the pause trigger").click()
    assert submit(page, pause.locator("details.cm-action[open] form")) == 303
    pause = page.locator("#condition-connectivity-pause")
    assert "Armed" in pause.locator(".cm-badges").inner_text()
    pause.get_by_text("Trigger the pause").click()
    trigger = pause.locator("details.cm-action[open] form")
    trigger.get_by_label("Rationale").fill("SSC instructs a pause: link incidents")
    assert submit(page, trigger) == 303
    pause = page.locator("#condition-connectivity-pause")
    assert "Migration paused" in pause.locator(".cm-badges").inner_text()
    assert pause.locator("summary", has_text="Clear the pause").count() == 1
    assert pause.locator("summary", has_text="Trigger the pause").count() == 0
    gate = page.locator(".cm-gate-panel").inner_text()
    assert "Migration paused" in gate
    assert "Migration: ✖ Blocked" in gate
    reporting = page.locator("#condition-connectivity-transition-reporting").inner_text()
    assert "Next report due" in reporting
    assert "Report missed" not in reporting

    # The Panel decides with conditions while the CIO report is still awaited.
    page.goto(f"{visit.base}/submissions/{mds}/decision")
    assert page.locator("#record-h").inner_text() == "Record the Panel's decision"
    form = page.locator("#decision-form")
    assert form.locator("input[name=condition_ids]").count() == 4
    assert form.locator("input[name=condition_ids]:checked").count() == 4  # every open condition, pre-ticked
    form.get_by_label("Recommend go-live with conditions").check()
    form.get_by_label("Considered on").fill("2020-03-06")
    form.get_by_label("Notes").fill("Recorded from the web UI test.")
    assert submit(page, form) == 303
    assert "Decision recorded: recommend go-live with conditions." in page.locator(".notice").inner_text()
    current = page.locator("section.cm-current").inner_text()
    assert "Recommend go-live with conditions" in current
    assert "6 March 2020" in current
    assert "Current, not superseded" in current
    decision_id = page.locator("section.cm-current").get_attribute("data-decision")
    assert decision_id  # the record's id is for tools, not for people
    assert decision_id not in current
    assert "Prerequisite to go-live" in current
    assert page.locator("#record-h").inner_text() == "Record a correction"
    assert page.locator("#decision-form input[name=supersedes]").count() == 1
    screenshot(visit, "committee-decision")
    assert serious_accessibility_violations(visit) == []

    assert "No letter has been issued on this decision yet" in page.locator("main").inner_text()
    page.get_by_role("link", name="Preview a draft").click()
    page.wait_for_load_state()
    letter = " ".join(page.locator("body").inner_text().split())
    assert letter.startswith("DRAFT: not issued by the Panel"), "a letter not issued says so"
    for dmc in ("MDS electricity meter with gas meter, active", "MDS electricity meter with gas meter, dormant"):
        assert dmc in letter
    for kind in ("Prerequisite to go-live", "Prerequisite to migration start", "Ongoing reporting", "Pause trigger"):
        assert kind in letter
    assert "DCC makes the CIO report on the cohort available to SSC" in letter
    assert "Recorded from the web UI test." in letter

    # Then the CIO condition is met: go-live opens; migration stays blocked (HAN assurance, the pause).
    page.goto(board)
    stale = page.context.new_page()  # a second tab, opened before the condition is satisfied
    stale.goto(board)
    cio = page.locator("#condition-cio-report-review")
    cio.get_by_text("Mark as satisfied").click()
    form = cio.locator("details.cm-action[open] form")
    form.get_by_label("Evidence").fill("SSC reviewed the CIO report on 2020-03-10 and found no blocking risk.")
    assert submit(page, form) == 303
    assert "cio-report-review: satisfied." in page.locator(".notice").inner_text()
    cio = page.locator("#condition-cio-report-review")
    assert "Satisfied" in cio.locator(".cm-badges").inner_text()
    assert cio.locator("details.cm-action").count() == 0  # satisfied is final: no more forms
    cio.locator("details.cm-history summary").click()
    history = cio.locator("details.cm-history").inner_text()
    assert "Satisfied" in history
    assert "SSC reviewed the CIO report" in history
    assert "test panel (Panel)" in history  # who did it: the signed-in token holder, in words
    assert "[token" not in history
    gate = page.locator(".cm-gate-panel").inner_text()
    assert "Go-live: ✔ Open" in gate
    assert "Migration: ✖ Blocked" in gate
    screenshot(visit, "committee-conditions")
    assert serious_accessibility_violations(visit) == []

    # The tab opened earlier still offers the form: acting on it now is refused, 409, with the reason.
    card = stale.locator("#condition-cio-report-review")
    card.get_by_text("Mark as satisfied").click()
    stale_form = card.locator("details.cm-action[open] form")
    stale_form.get_by_label("Evidence").fill("A second copy of the report")
    assert submit(stale, stale_form) == 409
    assert "A satisfied condition cannot be satisfied." in stale.locator("#condition-cio-report-review").inner_text()
    stale.close()


def test_decision_refusals_keep_the_form(visit: Visit) -> None:
    page = visit.page
    secure = submission_of(visit, "MOC-SECURE")
    url = f"{visit.base}/submissions/{secure}/decision"
    page.goto(url)
    form = page.locator("#decision-form")
    assert form.locator("input[name=condition_ids]:checked").count() >= 1  # operational acceptance is open
    form.get_by_label("Recommend go-live", exact=True).check()
    form.get_by_label("Notes").fill("Keep this note")
    form.get_by_label("Considered on").fill("2020-08-07")
    assert submit(page, form) in (409, 422)
    form = page.locator("#decision-form")
    assert 'choose "Recommend go-live with conditions", or untick them.' in form.locator(".error").inner_text()
    assert form.get_by_label("Recommend go-live", exact=True).is_checked()
    assert form.get_by_label("Notes").input_value() == "Keep this note"
    screenshot(visit, "committee-decision-refused")
    assert serious_accessibility_violations(visit) == []

    # Two tabs open the page; the first records, the second is now stale and is refused with 409.
    other = page.context.new_page()
    other.goto(url)
    page.goto(url)
    form = page.locator("#decision-form")
    form.get_by_label("Do not recommend go-live").check()
    form.get_by_label("Considered on").fill("2020-08-07")
    assert submit(page, form) == 303
    assert "recorded: do not recommend go-live." in page.locator(".notice").inner_text()
    stale = other.locator("#decision-form")
    stale.get_by_label("Do not recommend go-live").check()
    stale.get_by_label("Notes").fill("Typed in the stale tab")
    stale.get_by_label("Considered on").fill("2020-08-07")
    assert submit(other, stale) == 409
    assert "The Panel has already decided on this submission" in other.locator("#decision-form .error").inner_text()
    assert other.locator("#decision-form").get_by_label("Notes").input_value() == "Typed in the stale tab"
    assert other.locator("#record-h").inner_text() == "Record a correction"
    other.close()


def test_add_an_ongoing_reporting_condition_and_report_on_it(visit: Visit) -> None:
    page = visit.page
    page.goto(f"{visit.base}/capabilities/MOC-SECURE/conditions")
    text = f"DCC reports monthly to OPSG on SMETS1 incident trends ({uuid.uuid4().hex[:8]})."
    form = page.locator("#add-condition")
    form.get_by_label("Kind").select_option("ongoing_reporting")
    form.get_by_label("Owner").select_option("OPSG")
    form.get_by_label("When it is due").fill("monthly until go-live plus three months")
    form.get_by_label("Report every (days)").fill("30")
    form.get_by_label("What it requires").fill(text)
    assert submit(page, form) == 422  # no criterion ticked
    form = page.locator("#add-condition")
    assert "Tick at least one criterion the condition is about." in form.locator(".error").inner_text()
    assert form.get_by_label("What it requires").input_value() == text
    assert form.get_by_label("Kind").input_value() == "ongoing_reporting"
    form.get_by_label("LSC 6", exact=True).check()
    form.get_by_label("LSC 7", exact=True).check()
    assert submit(page, form) == 303
    assert "added." in page.locator(".notice").inner_text()
    card = page.locator("#kind-ongoing-reporting article.cm-condition", has_text=text)
    assert "LSC 6, LSC 7" in card.inner_text()
    assert "None yet" in card.inner_text()
    card.get_by_text("Record a report").click()
    report = card.locator("details.cm-action[open] form")
    report.get_by_label("Evidence").fill("Incident trend report for August")
    report.get_by_label("Date of the report").fill("2020-09-01")
    assert submit(page, report) == 303
    card = page.locator("#kind-ongoing-reporting article.cm-condition", has_text=text)
    assert "2020-09-01: Incident trend report for August" in card.inner_text()
    assert "Report missed" in card.inner_text()  # due 30 days after 2020-09-01, long past
    screenshot(visit, "committee-conditions-secure")
    assert serious_accessibility_violations(visit) == []
