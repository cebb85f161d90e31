"""Every page on a phone (390 px wide, no sideways scrolling) and printed (no navigation, findings open)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lsc_engine.access.policy import Role

from .browser import SEEDS, Visit, screenshot, serious_accessibility_violations
from .live import ROOT

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

PHONE: ViewportSize = {"width": 390, "height": 844}
OPEN_EVERY_DETAIL = "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"
WIDTH = "() => document.documentElement.scrollWidth"


def submissions(visit: Visit) -> list[str]:
    """Return the address of every submission the dashboard links to."""
    visit.page.goto(visit.base + "/")
    return sorted(set(re.findall(r'href="(/submissions/[0-9a-f]+)"', visit.page.content())))


def pages_by_role(visit: Visit) -> list[tuple[Role, str]]:
    """Return every page with the role that uses it: each group its own assessment page, the Panel the rest."""
    found: list[tuple[Role, str]] = [(Role.PANEL, "/"), (Role.DCC, "/"), (Role.PANEL, "/self-check")]
    for submission in submissions(visit):
        found += [(role, submission) for role in (Role.PANEL, Role.DCC, Role.OBSERVER)]
        found += [(Role.PANEL, f"{submission}/history"), (Role.PANEL, f"{submission}/decision")]
        found += [(Role(group.lower()), f"{submission}/assess/{group}") for group in ("TAG", "OPSG", "SSC")]
        found.append((Role.PANEL, f"{submission}/assess/SSC"))  # the Panel reads a group's decisions
    for capability in ("MOC-MDS", "MOC-SECURE"):
        found += [(role, f"/capabilities/{capability}/conditions") for role in (Role.PANEL, Role.SSC)]
        found += [(role, f"/capabilities/{capability}/timeline") for role in (Role.PANEL, Role.DCC)]
    found += [(Role.PANEL, "/register"), (Role.PANEL, "/meetings/pack")]
    found.append((Role.PANEL, "/meetings/pack?on=2020-09-01&capability=MOC-MDS&capability=MOC-SECURE"))
    found.append((Role.PANEL, "/no-such-page"))
    return found


def test_every_page_fits_a_phone_without_scrolling_sideways(visit: Visit) -> None:
    page = visit.page
    page.set_viewport_size(PHONE)
    too_wide, inaccessible = [], []
    signed_in: Role | None = Role.PANEL
    for role, path in pages_by_role(visit):
        if role != signed_in:
            visit.sign_in(role)
            signed_in = role
        page.goto(visit.base + path)
        if page.evaluate(WIDTH) > PHONE["width"]:
            too_wide.append(f"{path} as {role.value}: {page.evaluate(WIDTH)} px")
        page.evaluate(OPEN_EVERY_DETAIL)  # every finding, history and form opened, as a reader would
        if page.evaluate(WIDTH) > PHONE["width"]:
            too_wide.append(f"{path} as {role.value}, everything open: {page.evaluate(WIDTH)} px")
        if role == Role.PANEL and (violations := serious_accessibility_violations(visit)):
            inaccessible.append(f"{path}: {violations}")
    page.context.clear_cookies()
    page.goto(visit.base + "/login")
    assert page.evaluate(WIDTH) <= PHONE["width"], "the sign-in page"
    assert too_wide == []
    assert inaccessible == []


def test_a_finding_opens_across_the_phone_and_the_self_check_result_fits(visit: Visit) -> None:
    page = visit.page
    page.set_viewport_size(PHONE)
    page.goto(visit.base + "/")
    page.get_by_role("link", name="MOC-MDS", exact=True).click()
    page.wait_for_url("**/submissions/*")
    cell = page.locator("#row-LSC9 td[data-group=OPSG]")
    cell.locator("summary").click()
    finding = cell.locator(".finding").first
    content = page.evaluate("() => document.querySelector('main').clientWidth")
    assert finding.bounding_box()["width"] > 0.8 * content  # type: ignore[index]
    assert page.locator("#row-LSC1 td[data-group=OPSG]").is_hidden()  # "not assessed by OPSG" leaves no gap
    assert page.evaluate(WIDTH) <= PHONE["width"]
    screenshot(visit, "phone-submission-lsc9")

    page.goto(visit.base + "/self-check")
    page.get_by_label("Evidence pack (JSON or YAML, a workbook, or a zip of CSV files)").set_input_files(
        str(ROOT / SEEDS[1])
    )
    page.get_by_role("button", name="Check the pack").click()
    page.wait_for_selector("#result")
    page.evaluate(OPEN_EVERY_DETAIL)
    assert page.evaluate(WIDTH) <= PHONE["width"]
    page.goto(visit.base + "/")
    assert page.locator("tbody tr", has_text="MOC-SECURE").locator("td[data-label='Go-live']").is_visible()
    screenshot(visit, "phone-dashboard")


def test_a_printed_submission_shows_every_finding_and_no_navigation(visit: Visit) -> None:
    page = visit.page
    page.goto(visit.base + submissions(visit)[0])
    page.emulate_media(media="print")
    findings = page.locator(".finding")
    assert findings.count() > 10
    every = [findings.nth(i) for i in range(findings.count())]
    assert [finding.get_attribute("data-rule") for finding in every if finding.is_hidden()] == []
    lsc9 = page.locator("#row-LSC9 td[data-group=OPSG] .reasons")
    assert lsc9.is_visible()
    assert "Path to green" in lsc9.inner_text() or "Proposal and decision" in lsc9.inner_text()
    assert page.locator("header.top nav").is_hidden()
    assert page.locator("ul.links").is_hidden()
    page.emulate_media(media="screen")
    assert page.locator("header.top nav").is_visible()
    assert findings.first.is_hidden()  # on screen a finding waits to be opened
