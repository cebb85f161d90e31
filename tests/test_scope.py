"""The scope in every output: the DMCs covered and those held back, why, and on what evidence; and where a
carried-over condition comes from. Confidential names, reasons and evidence stay with those who may see them."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pytest
from rich.console import Console

from lsc_engine.access.policy import Principal, Role
from lsc_engine.access.redaction import Redactor, withheld
from lsc_engine.cli.report import markdown, print_table
from lsc_engine.core.decision import evaluate
from lsc_engine.core.evaluation import Evaluation
from lsc_engine.core.evidence import Group
from lsc_engine.core.loading import parse_pack
from lsc_engine.core.ruleset import Ruleset
from lsc_engine.errors import InvalidPack

from .auth import ActingClient, bearer
from .conftest import FIXTURES

MDS = FIXTURES / "seed-moc-mds-2020-03.json"
MDS_AS_AT = date(2020, 3, 6)
MIXED = "MDS electricity and gas, mixed installation"
WHY = "A defect carried over from IOC means the supplier responsible for dormant devices"
STATED = "Held back by DCC (DCC statement of readiness, MOC MDS, March 2020, 28 February 2020)"
DEFECT = "Open Severity 3 defect, fix due 30 June 2020: Carried over from IOC"
ORIGIN = "the approval of the first set of entries onto the EPCL (SSC, July 2019)"
#: What people never read in these outputs: ids of items other than DMCs, and places in the pack.
NOT_FOR_PEOPLE = ("EXC-MIXED", "DEF-IOC-0412", "EPCL-2019-07-C1", "scope.exclusions", "testing.defects")
#: Who may see confidential items of each section, as the catalogue says.
OWNERS = {
    "scope.dmcs": frozenset({Group.TAG, Group.OPSG}),
    "scope.exclusions": frozenset({Group.TAG, Group.OPSG}),
    "testing.defects": frozenset({Group.TAG}),
}


def mds_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(MDS.read_text())
    return document


def evaluated(document: dict[str, Any], ruleset: Ruleset, as_at: date = MDS_AS_AT) -> Evaluation:
    return evaluate(parse_pack(json.dumps(document).encode(), yaml_allowed=False), ruleset, as_at=as_at)


def test_the_scope_is_what_was_stated_by_the_as_at_date(ruleset: Ruleset) -> None:
    document = mds_document()
    document["scope"]["exclusions"][0]["provenance"]["date"] = "2020-03-09"
    document["testing"]["defects"][0]["provenance"]["date"] = "2020-03-09"
    document["scope"]["dmcs"][1]["provenance"]["date"] = "2020-03-09"
    before = evaluated(document, ruleset).scope
    assert before is not None
    assert [d.id for d in before.covered] == ["DMC-MDS-A1", "DMC-MDS-D1", "DMC-MDS-M1"], "nothing held back yet"
    assert before.held_back == []
    after = evaluated(document, ruleset, date(2020, 3, 9)).scope
    assert after is not None
    assert [d.id for d in after.covered] == ["DMC-MDS-A1", "DMC-MDS-A2", "DMC-MDS-D1"]
    assert [e.id for e in after.held_back[0].evidence] == ["EXC-MIXED", "DEF-IOC-0412"]


def test_a_defect_stated_later_is_not_cited_and_an_exclusion_without_dmcs_still_says_why(ruleset: Ruleset) -> None:
    document = mds_document()
    document["testing"]["defects"][0]["provenance"]["date"] = "2020-03-09"
    document["scope"]["exclusions"][0]["dmc_ids"] = []
    document["scope"]["dmcs"] = [d for d in document["scope"]["dmcs"] if d["installation_type"] != "mixed"]
    scope = evaluated(document, ruleset).scope
    assert scope is not None
    [part] = scope.held_back
    assert (part.dmcs, part.installation_type) == ([], "mixed")
    assert WHY in part.reason
    assert [e.text for e in part.evidence] == [STATED]
    text = markdown(evaluated(document, ruleset))
    assert f"- mixed installations (no DMC of them known at the as-at date): {WHY}" in text


def test_an_origin_that_disagrees_with_the_day_the_condition_was_raised_is_refused() -> None:
    document = mds_document()
    document["earlier_conditions"][0]["origin"]["on"] = "2019-08"
    with pytest.raises(InvalidPack) as refused:
        parse_pack(json.dumps(document).encode(), yaml_allowed=False)
    assert [(p.path, p.message) for p in refused.value.problems] == [
        (
            "earlier_conditions[0].origin.on",
            "the decision is dated 2019-08, but the condition it set was raised on 2019-07-12",
        )
    ]
    document["earlier_conditions"][0]["origin"]["on"] = "July 2019"
    with pytest.raises(InvalidPack) as refused:
        parse_pack(json.dumps(document).encode(), yaml_allowed=False)
    assert [p.message for p in refused.value.problems] == ["expected a day (YYYY-MM-DD) or a month (YYYY-MM)"]


def test_the_markdown_names_the_scope_why_and_the_evidence_and_the_conditions_origin(ruleset: Ruleset) -> None:
    text = markdown(evaluated(mds_document(), ruleset))
    covered = text[text.index("Covered:") : text.index("Held back:")]
    assert "- MDS electricity meter with gas meter, active (active, 41,000 meters). Named in the statement" in covered
    assert MIXED not in covered
    held = text[text.index("Held back:") : text.index("## Ratings")]
    assert f"- {MIXED} (mixed, 5,000 meters): {WHY}" in held
    assert f"Evidence: {STATED}; {DEFECT}" in held
    assert f"Carried over from {ORIGIN}." in text
    assert [word for word in NOT_FOR_PEOPLE if word in text] == []


def test_the_table_names_the_scope_why_and_the_evidence_and_the_conditions_origin(ruleset: Ruleset) -> None:
    console = Console(file=io.StringIO(), width=600, record=True, highlight=False)
    print_table(evaluated(mds_document(), ruleset), console)
    text = console.export_text()
    [row] = [line for line in text.splitlines() if MIXED in line]
    assert "held back" in row
    assert WHY in row
    assert STATED in row
    assert DEFECT in row
    assert ORIGIN in text
    assert [word for word in NOT_FOR_PEOPLE if word in text] == []


def confidential_scope(ruleset: Ruleset) -> Evaluation:
    """Evaluate MOC MDS with the mixed DMC's name, the exclusion and its defect all confidential."""
    document = mds_document()
    document["scope"]["dmcs"][3]["confidential"] = True
    document["scope"]["exclusions"][0]["confidential"] = True
    document["testing"]["defects"][0]["confidential"] = True
    return evaluated(document, ruleset)


@pytest.mark.parametrize("role", list(Role))
def test_confidential_scope_is_withheld_by_its_sections_owners(ruleset: Ruleset, role: Role) -> None:
    redactor = Redactor(Principal("t-1", "someone", role), OWNERS)
    scope = redactor.view(confidential_scope(ruleset)).scope
    assert scope is not None
    [part] = scope.held_back
    [mixed] = part.dmcs
    [stated, defect] = part.evidence
    sees_scope = role in (Role.PANEL, Role.TAG, Role.OPSG)
    sees_defects = role in (Role.PANEL, Role.TAG)
    assert (mixed.name == MIXED) is sees_scope
    assert (part.reason.startswith(WHY[:20])) is sees_scope
    assert (stated.text == STATED) is sees_scope
    assert defect.text.startswith(DEFECT) is sees_defects
    if not sees_scope:
        assert mixed.name == part.reason == stated.text == withheld(OWNERS["scope.dmcs"])
        assert mixed.meters is None
    if not sees_defects:
        assert defect.text == withheld(OWNERS["testing.defects"])
    assert [d.name for d in scope.covered] == [
        "MDS electricity meter with gas meter, active",
        "MDS single-phase electricity meter, active",
        "MDS electricity meter with gas meter, dormant",
    ], "the rest of the scope is public"
    shown = ({"DMC-MDS-M1", "EXC-MIXED"} if sees_scope else set()) | ({"DEF-IOC-0412"} if sees_defects else set())
    assert shown == redactor.disclosed & {"DMC-MDS-M1", "EXC-MIXED", "DEF-IOC-0412"}


@pytest.mark.api
def test_the_self_check_page_names_the_scope_and_the_conditions_origin(pages: ActingClient) -> None:
    page = pages.post("/self-check", files={"pack": ("mds.json", MDS.read_bytes())}).text
    scope = page[page.index('<h2 id="scope">') : page.index('<h2 id="matrix">')]
    assert '<th scope="row">MDS electricity meter with gas meter, active</th>' in scope
    held = scope[scope.index('<h3 id="held-back">') :]
    assert f"<strong>{MIXED}</strong>" in held
    assert WHY in held
    assert f"<li>{STATED}</li>" in held
    assert DEFECT in held
    assert f"carried over from {ORIGIN}" in page
    assert [word for word in NOT_FOR_PEOPLE if word in scope] == []


@pytest.mark.api
def test_the_api_and_the_submission_page_withhold_a_confidential_dmcs_name(pages: ActingClient) -> None:
    document = mds_document()
    document["scope"]["dmcs"][3]["confidential"] = True
    # The Panel stated the HAN assurance openly; flagged here, the condition that rests on it keeps its origin with
    # its text, for SSC.
    document["security"]["independent_assurance"]["confidential"] = True
    created = pages.post("/v1/submissions", content=json.dumps(document).encode())
    assert created.status_code == 201, created.text
    submission = created.json()["submission"]["id"]
    seen = {Role.OPSG: (True, False), Role.PANEL: (True, True), Role.SSC: (False, True), Role.OBSERVER: (False, False)}
    for role, (sees, sees_origin) in seen.items():
        headers = bearer(pages.tokens[role])
        [answer] = pages.get(f"/v1/submissions/{submission}/evaluations", headers=headers).json()
        [part] = answer["result"]["scope"]["held_back"]
        assert (part["dmcs"][0]["name"] == MIXED) is sees, role
        assert WHY in part["reason"], "the exclusion itself is not confidential"
        page = pages.get(f"/submissions/{submission}", headers=headers).text
        held = page[page.index('<h3 id="held-back">') :]
        assert (MIXED in held) is sees, role
        assert (withheld(OWNERS["scope.dmcs"]) in held) is not sees, role
        assert (f"carried over from {ORIGIN}" in page) is sees_origin, role


@pytest.mark.api
def test_the_decision_page_and_its_letter_name_the_scope_and_the_conditions_origin(pages: ActingClient) -> None:
    created = pages.post("/v1/submissions", content=MDS.read_bytes())
    assert created.status_code == 201, created.text
    submission = created.json()["submission"]["id"]
    decided = pages.post(
        f"/v1/submissions/{submission}/decisions",
        json={"outcome": "recommend_with_conditions", "considered_on": "2020-03-06"},
    )
    assert decided.status_code == 201, decided.text
    panel = bearer(pages.tokens[Role.PANEL])
    page = pages.get(f"/submissions/{submission}/decision", headers=panel).text
    assert "The decision covers: MDS electricity meter with gas meter, active; " in page
    assert f"Held back: {MIXED}. {WHY}" in page
    assert f"(carried over from {ORIGIN})" in page
    letter = pages.get(f"/v1/decisions/{decided.json()['id']}/letter", params={"format": "markdown"}, headers=panel)
    assert f"DCC did not ask the Panel to consider {MIXED} at this time. {WHY}" in letter.text
    assert f"{WHY}" in letter.text
    assert (
        "The DCC defect log of 28 February 2020 records it as an open Severity 3 defect, with its fix due by "
        "30 June 2020." in letter.text
    ), "the letter names the defect by its record, without repeating the reason"
    assert STATED not in letter.text, "DCC's own word that the part is held back goes without saying"
    # The carried-over condition rests on public evidence, as in the Panel's letter: the letter names its origin.
    assert f"carried over from {ORIGIN} and still unmet." in letter.text
    assert "confidential appendix" not in letter.text
