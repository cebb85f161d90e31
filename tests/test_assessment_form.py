"""Recording a group's decisions on all its criteria at once: the service's one transaction and the page's form."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlmodel import select

from lsc_engine import load_ruleset
from lsc_engine.access.policy import Role
from lsc_engine.committee.inputs import AssessmentIn
from lsc_engine.core.evidence import Group
from lsc_engine.errors import InvalidAction
from lsc_engine.services.committee import Committee
from lsc_engine.services.submissions import Service
from lsc_engine.settings import Settings
from lsc_engine.store.db import make_engine, session_scope
from lsc_engine.store.models import AuditEntry

from .auth import ActingClient, bearer
from .conftest import FIXTURES, RULES

pytestmark = pytest.mark.api

MDS = (FIXTURES / "seed-moc-mds-2020-03.json").read_bytes()
#: OPSG's criteria on MOC-MDS and the engine's proposals.
OPSG = {
    "LSC3": "green",
    "LSC4": "green",
    "LSC5": "green",
    "LSC6": "amber",
    "LSC7": "green",
    "LSC8": "amber",
    "LSC9": "amber",
    "RR": "green",
}


def decision(criterion: str, rating: str, **extra: Any) -> AssessmentIn:
    """Return OPSG's decision on a criterion, accepting DCC's statement unless told otherwise."""
    body = {"criterion": criterion, "group": Group.OPSG, "accepted": True, "rating": rating, "assessor": "Chair"}
    return AssessmentIn.model_validate(body | extra)


def assessment_entries(settings: Settings) -> int:
    """Count the audit chain's entries for recorded assessments."""
    engine = make_engine(settings)
    try:
        with session_scope(engine) as session:
            return len(session.exec(select(AuditEntry).where(AuditEntry.action == "assessment.create")).all())
    finally:
        engine.dispose()


def test_a_bad_row_records_nothing_and_every_refused_row_is_named(settings: Settings) -> None:
    engine = make_engine(settings)
    try:
        ruleset = load_ruleset(RULES)
        submission = Service(engine, ruleset).submit(MDS, submitter="DCC").submission.id
        committee = Committee(engine, ruleset)
        rows = [decision(c, r) for c, r in OPSG.items()]
        rows[5] = decision("LSC8", "green")  # an override without a rationale
        rows[6] = decision("LSC9", "red")  # red, yet accepting DCC's statement
        with pytest.raises(InvalidAction) as refused:
            committee.assess_all(submission, rows, actor="opsg:Chair")
        assert refused.value.message == "overriding the proposed amber with green needs a written rationale"
        assert refused.value.details["criterion"] == "LSC8"
        assert [(p.path, p.message) for p in refused.value.problems] == [
            ("[5].rationale", "overriding the proposed amber with green needs a written rationale"),
            ("[6].accepted", "a group cannot accept DCC's statement and rate the criterion red"),
        ]
        assert committee.assessments(submission) == []
        assert assessment_entries(settings) == 0

        rows[5] = decision("LSC8", "green", rationale="The OPSG review closed the gap.")
        rows[6] = decision("LSC9", "red", accepted=False, rationale="No revised plan is published.")
        recorded = committee.assess_all(submission, rows, actor="opsg:Chair")
        assert [(a.criterion, a.rating.value, a.override) for a in recorded][5:7] == [
            ("LSC8", "green", True),
            ("LSC9", "red", True),
        ]
        assert len(committee.assessments(submission)) == len(OPSG)
        assert assessment_entries(settings) == len(OPSG)  # each audited as a single assessment is
        assert committee.last_assessor("opsg:Chair") == "Chair"
        assert committee.last_assessor("opsg:Someone else") is None
    finally:
        engine.dispose()


def test_one_criterion_twice_in_one_request_is_refused(settings: Settings) -> None:
    engine = make_engine(settings)
    try:
        ruleset = load_ruleset(RULES)
        submission = Service(engine, ruleset).submit(MDS, submitter="DCC").submission.id
        committee = Committee(engine, ruleset)
        with pytest.raises(InvalidAction, match="LSC6 is decided more than once for OPSG in one request"):
            committee.assess_all(submission, [decision("LSC6", "amber"), decision("LSC6", "amber")], actor="opsg:A")
        assert committee.assessments(submission) == []
    finally:
        engine.dispose()


def _submission(client: ActingClient) -> str:
    made = client.post("/v1/submissions", content=MDS)
    assert made.status_code == 201, made.text
    identifier: str = made.json()["submission"]["id"]
    return identifier


def _form(page: str) -> dict[str, str]:
    """Return the values the assessment form would post as the page shows it: each select's chosen option."""
    form = page[page.index('id="assess-form"') : page.index("</form>", page.index('id="assess-form"'))]
    values = {"assessor": re.search(r'name="assessor"[^>]*value="([^"]*)"', form).group(1)}  # type: ignore[union-attr]
    for name, options in re.findall(r'<select id="[^"]+" name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        values[name] = chosen.group(1) if chosen else ""
    for name, text in re.findall(r'<textarea id="[^"]+" name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        values[name] = text
    return values


def test_one_post_records_every_criterion_and_the_page_starts_from_the_decisions(client: ActingClient) -> None:
    submission = _submission(client)
    url = f"/submissions/{submission}/assess/OPSG"
    opsg = bearer(client.tokens[Role.OPSG])
    form = _form(client.get(url, headers=opsg).text)
    assert form["assessor"] == ""
    assert {c: form[f"rating-{c}"] for c in OPSG} == OPSG  # the proposals, where nothing is decided
    form |= {"assessor": "OPSG Chair", "rating-LSC9": "green", "rationale-LSC9": "Revised BCDR plan seen."}
    posted = client.post(f"{url}/all", data=form, headers=opsg, follow_redirects=False)
    assert posted.status_code == 303
    assert "OPSG%27s+decisions+recorded" in posted.headers["location"]
    assessments = client.get(f"/v1/submissions/{submission}/assessments").json()
    assert {a["criterion"]: a["rating"] for a in assessments} == OPSG | {"LSC9": "green"}
    assert {a["assessor"] for a in assessments} == {"OPSG Chair"}

    again = _form(client.get(url, headers=opsg).text)
    assert again["assessor"] == "OPSG Chair"  # the name this account gave last
    assert (again["rating-LSC9"], again["rationale-LSC9"]) == ("green", "Revised BCDR plan seen.")
    unchanged = client.post(f"{url}/all", data=again, headers=opsg, follow_redirects=False)
    assert "Nothing+changed" in unchanged.headers["location"]
    assert len(client.get(f"/v1/submissions/{submission}/assessments").json()) == len(OPSG)


def test_a_refused_form_names_each_criterion_and_keeps_every_value(client: ActingClient) -> None:
    submission = _submission(client)
    url = f"/submissions/{submission}/assess/OPSG"
    opsg = bearer(client.tokens[Role.OPSG])
    form = _form(client.get(url, headers=opsg).text) | {"assessor": "A. Reviewer"}
    form |= {"rating-LSC6": "green", "rating-LSC9": "red", "rationale-LSC8": "Seen in draft."}
    refused = client.post(f"{url}/all", data=form, headers=opsg)
    assert refused.status_code == 422
    page = refused.text
    summary = page[page.index("cm-error-summary") : page.index("</div>", page.index("cm-error-summary"))]
    assert "LSC 6: Overriding the proposed amber with green needs a written rationale." in summary
    assert "LSC 9: A group cannot accept DCC&#39;s statement and rate the criterion red." in summary
    assert 'id="assess-rationale-LSC6-error"' in page
    assert 'id="assess-accepted-LSC9-error"' in page
    kept = _form(page)
    assert (kept["rating-LSC6"], kept["rating-LSC9"], kept["rationale-LSC8"]) == ("green", "red", "Seen in draft.")
    assert kept["assessor"] == "A. Reviewer"
    assert client.get(f"/v1/submissions/{submission}/assessments").json() == []

    blank = client.post(f"{url}/all", data=form | {"assessor": "", "rating-LSC3": ""}, headers=opsg)
    assert blank.status_code == 422
    assert "Name the assessor." in blank.text
    assert "LSC 3:" not in blank.text, "a row left without a rating, and never decided, is left undecided"
    reasoned = form | {"rating-LSC3": "", "rationale-LSC3": "Rehearsal seen."}
    unrated = client.post(f"{url}/all", data=reasoned, headers=opsg)
    assert "LSC 3: Choose a rating: Green, Amber or Red." in unrated.text, "a rationale needs the rating it explains"


def test_the_panel_reads_a_groups_decisions_without_a_form(client: ActingClient) -> None:
    submission = _submission(client)
    body = {"criterion": "LSC9", "group": "OPSG", "accepted": False, "rating": "red", "assessor": "OPSG Chair"}
    assert (
        client.post(f"/v1/submissions/{submission}/assessments", json=body | {"rationale": "No plan."}).status_code
        == 201
    )
    page = client.get(f"/submissions/{submission}/assess/OPSG", headers=bearer(client.tokens[Role.PANEL]))
    assert page.status_code == 200
    assert 'id="assess-form"' not in page.text
    assert 'id="revoke-form"' not in page.text
    assert "Only OPSG records its decisions; this page shows them." in page.text
    assert "No plan." in page.text
    assert "Green findings" in page.text or "Green finding:" in page.text
    for role in (Role.DCC, Role.OBSERVER):
        refused = client.get(f"/submissions/{submission}/assess/OPSG", headers=bearer(client.tokens[role]))
        assert refused.status_code == 403


def test_the_form_starts_from_a_decision_carried_forward_and_does_not_record_it_again(client: ActingClient) -> None:
    first = _submission(client)
    body = {"criterion": "LSC9", "group": "OPSG", "accepted": True, "rating": "green", "assessor": "OPSG Chair"}
    made = client.post(f"/v1/submissions/{first}/assessments", json=body | {"rationale": "Plan seen in draft."})
    assert made.status_code == 201
    second = _submission(client)  # the same evidence again: OPSG's decision carries forward
    url = f"/submissions/{second}/assess/OPSG"
    opsg = bearer(client.tokens[Role.OPSG])
    page = client.get(url, headers=opsg).text
    assert "version 1, carried forward" in page
    form = _form(page)
    assert (form["rating-LSC9"], form["rationale-LSC9"], form["rating-LSC8"]) == (
        "green",
        "Plan seen in draft.",
        "amber",
    )
    posted = client.post(f"{url}/all", data=form | {"assessor": "A. Deputy"}, headers=opsg, follow_redirects=False)
    assert posted.status_code == 303
    assert "1+unchanged" in posted.headers["location"]  # LSC9 stands as decided; the other 7 are recorded
    recorded = client.get(f"/v1/submissions/{second}/assessments").json()
    assert {a["criterion"] for a in recorded if a["assessor"] == "A. Deputy"} == set(OPSG) - {"LSC9"}
    carried = next(a for a in recorded if a["criterion"] == "LSC9")
    assert (carried["assessor"], carried["carried_from"]) == ("OPSG Chair", 1)


def test_the_one_criterion_post_still_records_and_refuses_beside_its_row(client: ActingClient) -> None:
    submission = _submission(client)
    url = f"/submissions/{submission}/assess/OPSG"
    opsg = bearer(client.tokens[Role.OPSG])
    one = {"criterion": "LSC9", "accepted": "yes", "rating": "green", "assessor": "OPSG Chair"}
    refused = client.post(url, data=one, headers=opsg)
    assert refused.status_code == 422
    assert "LSC 9: Overriding the proposed amber with green needs a written rationale." in refused.text
    assert 'id="assess-rationale-LSC9-error"' in refused.text
    assert _form(refused.text)["rating-LSC9"] == "green"
    recorded = client.post(url, data=one | {"rating": "amber"}, headers=opsg, follow_redirects=False)
    assert recorded.status_code == 303
    assert [a["criterion"] for a in client.get(f"/v1/submissions/{submission}/assessments").json()] == ["LSC9"]


def test_a_group_decides_what_it_is_ready_to_and_leaves_criteria_without_evidence_open(client: ActingClient) -> None:
    made = client.post("/v1/submissions", content=(FIXTURES / "seed-moc-secure-2020-08.json").read_bytes())
    submission = made.json()["submission"]["id"]
    url = f"/submissions/{submission}/assess/OPSG"
    opsg = bearer(client.tokens[Role.OPSG])
    form = _form(client.get(url, headers=opsg).text) | {"assessor": "OPSG Chair"}
    # MOC Secure leaves LSC 3, 5, 8 and 9 without evidence: their rows start with no rating, and stay so.
    assert form["rating-LSC5"] == ""
    form |= {"rating-LSC6": "red", "accepted-LSC6": "no", "rationale-LSC6": "Stability not shown after the fix."}
    sent = client.post(f"{url}/all", data=form, headers=opsg)
    assert sent.status_code in (200, 303), sent.text
    recorded = {(a["criterion"], a["rating"]) for a in client.get(f"/v1/submissions/{submission}/assessments").json()}
    assert ("LSC6", "red") in recorded
    assert not {criterion for criterion, _ in recorded} & {"LSC3", "LSC5", "LSC8", "LSC9"}
