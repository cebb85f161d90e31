"""The submission page, its history and the self-check, in a real browser against a seeded live server."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from lsc_engine.access.policy import Role
from lsc_engine.core.loading import read_pack
from lsc_engine.settings import Settings
from lsc_engine.spreadsheets import export
from lsc_engine.store import migrate

from .auth import acting_client, bearer
from .browser import Visit, screenshot, serious_accessibility_violations
from .live import ROOT

SECURE_PACK = ROOT / "fixtures" / "seed-moc-secure-2020-08.json"


def open_capability(visit: Visit, capability: str) -> None:
    """Go from the dashboard to the capability's newest submission."""
    page = visit.page
    page.goto(visit.base + "/")
    page.get_by_role("link", name=capability, exact=True).click()
    page.wait_for_url("**/submissions/*")


def test_mds_submission_explains_the_lsc9_opsg_rating(visit: Visit) -> None:
    page = visit.page
    open_capability(visit, "MOC-MDS")
    assert page.get_by_role("heading", level=1).inner_text().startswith("MOC-MDS")
    assert "Ready with conditions" in page.locator("dl.facts").inner_text()
    cell = page.locator("#row-LSC9 td[data-group=OPSG]")
    reasons = cell.locator(".reasons")
    assert not reasons.is_visible()
    cell.locator("summary").click()
    assert reasons.is_visible()
    text = reasons.inner_text()
    assert "A revised BCDR plan is promised but not published: a revised plan that includes MDS and Telefonica." in text
    # The finding and its evidence in plain words: the plan by its own id; the rule and the place in the
    # pack only as attributes, for tools.
    finding = reasons.locator(".finding[data-rule='LSC9-OPSG-revision-pending']")
    assert finding.count() == 1
    assert "BCDR plan BCDR-PLAN (DCC BCDR plan v4, dated 2019-10-01)" in text
    assert finding.locator("li[data-evidence='BCDR-PLAN']").get_attribute("data-path") == "bcdr.plan"
    for internal in ("LSC9-OPSG-revision-pending", "bcdr.plan", "Rule "):
        assert internal not in text
    assert "Publish the revised BCDR plan" in text
    assert "OPSG has not decided yet" in text
    screenshot(visit, "submission-mds")
    assert serious_accessibility_violations(visit) == []


def test_matrix_shows_words_sub_criteria_and_gaps(visit: Visit) -> None:
    page = visit.page
    open_capability(visit, "MOC-MDS")
    rows = page.locator("table.matrix tbody tr")
    assert [rows.nth(i).get_attribute("data-criterion") for i in range(rows.count())] == [
        *(f"LSC{n}" for n in range(1, 11)),
        *(f"LSC10.{n}" for n in (1, 2, 4, 6)),
        "RR",
    ]
    assert page.locator("#row-LSC1 td[data-group=TAG] summary").inner_text().split("\n")[0].endswith(" Green")
    assert "Amber" in page.locator("#row-LSC6 td[data-group=OPSG] summary").inner_text()
    assert page.locator("#row-LSC1 td[data-group=OPSG]").inner_text().strip().endswith("not assessed by OPSG")
    parent = page.locator("#row-LSC10 td[data-group=SSC]").inner_text()
    assert "Amber" in parent
    assert "worst of LSC 10.1\u2013LSC 10.6" in parent
    assert page.locator("#row-LSC6 th").inner_text().startswith("LSC 6\n")
    assert page.locator("tr.sub").count() == 4
    for group in ("TAG", "OPSG", "SSC"):  # every group assesses the residual risks
        assert page.locator(f"#row-RR td[data-group={group}] summary").inner_text().split("\n")[0].endswith(" Green")
    gate = page.locator("#gate + .gates").inner_text()
    assert "Blocked" in gate
    assert "the Panel has not recorded a decision" in gate
    page.locator("#row-LSC10\\.4 td[data-group=SSC] summary").click()
    assert "HAN" in page.locator("#row-LSC10\\.4").inner_text()
    assert "Confidential" not in page.locator("#row-LSC10\\.4").inner_text(), "stated openly in the Panel's letter"
    open_capability(visit, "MOC-SECURE")  # whose HAN assurance the pack holds confidential
    assert page.locator("#row-LSC10\\.4").inner_text().count("Confidential") == 0
    page.locator("#row-LSC10\\.4 td[data-group=SSC] summary").click()
    assert "Confidential" in page.locator("#row-LSC10\\.4").inner_text()


def test_charts_are_drawn(visit: Visit) -> None:
    page = visit.page
    open_capability(visit, "MOC-MDS")
    timeline = page.locator("svg.timeline")
    assert timeline.count() == 1
    assert timeline.get_attribute("role") == "img"
    assert "Incident timeline" in (timeline.get_attribute("aria-label") or "")
    assert timeline.locator(".marker.blocking").count() > 0
    performance = page.locator("svg.performance")
    assert performance.count() == 2  # the March 2020 letter gives no CPM1 figures, and the pack carries none
    captions = page.locator(".charts figcaption").all_inner_texts()
    assert captions == [f"Code Performance Measure CPM{n}" for n in (2, 3)]
    assert performance.first.locator("polyline.target").count() == 1
    page.locator("#charts").scroll_into_view_if_needed()
    screenshot(visit, "submission-charts")


def test_re_evaluating_secure_earlier_finds_lsc6_not_yet_reported(visit: Visit) -> None:
    page = visit.page
    open_capability(visit, "MOC-SECURE")
    assert "Red" in page.locator("#row-LSC6 td[data-group=OPSG] summary").inner_text()
    page.get_by_role("link", name="History and re-evaluation").click()
    page.wait_for_url("**/history")
    # As at 30 July every incident in the pack was still to be reported (31 July): not Red, but not Green either.
    page.get_by_label("New as-at date").fill("2020-07-30")
    page.get_by_role("button", name="Re-evaluate").click()
    page.wait_for_url("**/history?*")
    change = page.locator("table.changes tr[data-cell='LSC6/OPSG']")
    text = change.inner_text()
    before, after = change.locator("td").nth(0).inner_text(), change.locator("td").nth(1).inner_text()
    assert "Red" in before
    assert "Insufficient evidence" in after
    assert "as-at date" in text
    assert "2020-07-30" in page.locator("#diff").locator("xpath=..").inner_text()
    assert "was stored" in page.locator(".notice").inner_text()
    screenshot(visit, "submission-history")
    assert serious_accessibility_violations(visit) == []


def test_re_evaluation_refuses_an_impossible_date(visit: Visit) -> None:
    panel = bearer(visit.tokens[Role.PANEL])
    response = httpx.get(visit.base + "/", headers=panel)
    secure = next(part for part in response.text.split('href="') if part.startswith("/submissions/"))
    submission = secure.split('"')[0]
    for_date = httpx.post(visit.base + submission + "/re-evaluate", data={"as_at": "2020-02-30"}, headers=panel)
    assert for_date.status_code == 422
    assert "must be a real date" in for_date.text
    missing = httpx.get(visit.base + "/submissions/no-such-id", headers=panel)
    assert missing.status_code == 404
    assert "There is no submission" in missing.text


def test_self_check_of_the_secure_pack(visit: Visit) -> None:
    page = visit.page
    page.goto(visit.base + "/")
    page.get_by_role("link", name="Self-check").click()
    page.get_by_label("Evidence pack (JSON or YAML, a workbook, or a zip of CSV files)").set_input_files(
        str(SECURE_PACK)
    )
    page.get_by_role("button", name="Check the pack").click()
    page.wait_for_selector("#result")
    assert "Not ready" in page.locator("dl.facts").inner_text()
    page.locator("#row-LSC6 td[data-group=OPSG] summary").click()
    reasons = page.locator("#row-LSC6 td[data-group=OPSG] .reasons").inner_text()
    assert "3 Category 1 or 2 incidents on SMETS1 or SMETS2 followed the last deployment" in reasons
    assert "DCC stated that service stability had not been achieved (as recorded on 7 August 2020)" in reasons
    assert "If planned dates hold and later reports show nothing new: Amber from 20 August 2020" in reasons
    assert "and no further by waiting; green then needs more:" in reasons
    blockers = page.locator(".gates").inner_text()
    assert "Blocked" in blockers
    screenshot(visit, "self-check-result")
    assert serious_accessibility_violations(visit) == []


def test_self_check_of_a_workbook_names_the_rows_behind_each_finding(visit: Visit, tmp_path: Path) -> None:
    workbook = tmp_path / "secure.xlsx"
    workbook.write_bytes(export(read_pack(SECURE_PACK)))
    page = visit.page
    page.goto(visit.base + "/self-check")
    page.get_by_label("Evidence pack (JSON or YAML, a workbook, or a zip of CSV files)").set_input_files(str(workbook))
    page.get_by_role("button", name="Check the pack").click()
    page.wait_for_selector("#result")
    assert "Not ready" in page.locator("dl.facts").inner_text()
    page.locator("#row-LSC6 td[data-group=OPSG] summary").click()
    reasons = page.locator("#row-LSC6 td[data-group=OPSG] .reasons")
    incident = reasons.locator("li[data-path^='incidents[']").first.inner_text()
    assert re.search(r"read from secure\.xlsx, incidents sheet, row \d+\)", incident), incident
    page.locator("#row-LSC4 td[data-group=OPSG] summary").click()
    acceptance = page.locator("#row-LSC4 td[data-group=OPSG] li[data-evidence]").first.inner_text()
    assert "read from secure.xlsx, pack sheet, row 13)" in acceptance  # the row of operations.acceptance.id
    assert "incidents[" not in reasons.inner_text()  # the place in the pack is for tools, not people
    assert serious_accessibility_violations(visit) == []


def test_self_check_lists_every_problem_of_a_bad_file(visit: Visit, tmp_path: Path) -> None:
    document = json.loads(SECURE_PACK.read_text())
    document["incidents"][2]["category"] = 9
    document["statement"]["colour"] = "blue"
    bad = tmp_path / "bad-pack.json"
    bad.write_text(json.dumps(document))
    page = visit.page
    page.goto(visit.base + "/self-check")
    page.get_by_label("Evidence pack (JSON or YAML, a workbook, or a zip of CSV files)").set_input_files(str(bad))
    page.get_by_role("button", name="Check the pack").click()
    page.wait_for_selector(".problems")
    assert "This file is not a valid evidence pack" in page.locator("h2").first.inner_text()
    problems = page.locator(".problems li").all_inner_texts()
    assert any(p.startswith("incidents[2].category") for p in problems)
    assert any(p.startswith("statement.colour") and "unknown field" in p for p in problems)
    screenshot(visit, "self-check-invalid")
    assert serious_accessibility_violations(visit) == []
    response = httpx.post(
        visit.base + "/self-check",
        files={"pack": ("bad-pack.json", bad.read_bytes())},
        headers=bearer(visit.tokens[Role.DCC]),
    )
    assert response.status_code == 422


def test_unknown_submission_and_empty_self_check_pages(visit: Visit) -> None:
    page = visit.page
    response = page.goto(visit.base + "/submissions/no-such-id")
    assert response is not None  # goto() returns None only for same-document navigation
    assert response.status == 404
    assert "There is no submission with the id" in page.locator("main").inner_text()
    assert serious_accessibility_violations(visit) == []
    page.goto(visit.base + "/self-check")
    assert page.get_by_label("As at (optional)").input_value() == ""
    screenshot(visit, "self-check-form")
    assert serious_accessibility_violations(visit) == []


# -- the same pages without a browser: errors, limits and older versions ------------------------------

MDS_PACK = ROOT / "fixtures" / "seed-moc-mds-2020-03.json"


@pytest.fixture
def small_client(tmp_path: Path) -> Iterator[TestClient]:
    """An app on a fresh SQLite file with a 16 KiB request limit."""
    settings = Settings(data_dir=tmp_path / "data", max_request_bytes=16384)
    migrate.upgrade(settings)
    with acting_client(settings) as client:
        yield client


@pytest.mark.api
def test_self_check_refuses_what_it_cannot_use(small_client: TestClient) -> None:
    too_big = small_client.post("/self-check", files={"pack": ("big.json", MDS_PACK.read_bytes())})
    assert too_big.status_code == 413
    assert "The file is too large: the limit is 16 KiB." in too_big.text
    no_file = small_client.post("/self-check", data={"as_at": "2020-01-01"})
    assert no_file.status_code == 422
    assert "Choose an evidence pack file." in no_file.text
    malformed = small_client.post("/self-check", files={"pack": ("x.json", b'{"statement": ')})
    assert malformed.status_code == 422
    assert "This file is not a valid evidence pack" in malformed.text
    yaml_pack = (ROOT / "fixtures" / "synthetic-stability-window.yaml").read_bytes()
    bad_date = small_client.post("/self-check", files={"pack": ("p.yaml", yaml_pack)}, data={"as_at": "31/12/2020"})
    assert bad_date.status_code == 422
    assert "must be a real date written as YYYY-MM-DD" in bad_date.text
    assert small_client.post("/self-check", files={"pack": ("p.yaml", yaml_pack)}).status_code == 200
    assert small_client.get("/v1/submissions").json() == []


@pytest.mark.api
def test_unknown_ids_are_404_pages(small_client: TestClient) -> None:
    for response in (
        small_client.get("/submissions/nothing"),
        small_client.get("/submissions/nothing/history"),
        small_client.post("/submissions/nothing/re-evaluate", data={"as_at": "2020-01-01"}),
    ):
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "There is no submission with the id" in response.text


@pytest.mark.api
def test_an_older_version_says_so_and_history_refuses_foreign_evaluations(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    migrate.upgrade(settings)
    with acting_client(settings) as client:
        first = client.post("/v1/submissions", content=MDS_PACK.read_bytes()).json()["submission"]["id"]
        client.post("/v1/submissions", content=MDS_PACK.read_bytes())
        older = client.get(f"/submissions/{first}")
        assert older.status_code == 200
        assert "This is not the newest evidence for MOC-MDS: version 2 is." in older.text
        history = client.get(f"/submissions/{first}/history", params={"from": "elsewhere"})
        assert history.status_code == 404
        assert "MOC-MDS has no evaluation with the id “elsewhere”." in history.text
        single = client.get(f"/submissions/{first}/history")
        assert "There is only one evaluation so far." not in single.text
        assert "Version 2, evaluation 1, as at 2020-03-06</option>" in single.text  # any version may be compared
