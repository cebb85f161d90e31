"""One definition per input: the JSON API and the pages refuse the same things, each naming the field at fault.

The API answers 422 with the field's JSON path; a page shows the refusal in its own words beside the field,
keeps what was typed and records nothing. Control and direction-changing characters never reach the
database (PostgreSQL cannot store NUL: it answered 500 before).
"""

from __future__ import annotations

import html as markup
import json
import re
from typing import Any

import pytest

from lsc_engine.access.policy import Role
from lsc_engine.core.loading import parse_pack
from lsc_engine.core.text import unprintable
from lsc_engine.errors import InvalidPack

from .auth import ActingClient, bearer
from .conftest import FIXTURES

pytestmark = pytest.mark.api

MDS = (FIXTURES / "seed-moc-mds-2020-03.json").read_bytes()
ASSESSMENT = {"criterion": "LSC6", "group": "OPSG", "accepted": True, "rating": "amber", "assessor": "OPSG Chair"}
CONDITION = {
    "capability": "MOC-MDS",
    "kind": "prerequisite_go_live",
    "owner": "TAG",
    "criteria": ["LSC1"],
    "text": "Run the regression pack again",
    "due": "before go-live",
}


def submit(client: ActingClient) -> str:
    """Store the MOC MDS pack and return its submission id."""
    answer = client.post("/v1/submissions", content=MDS)
    assert answer.status_code == 201, answer.text
    submission_id: str = answer.json()["submission"]["id"]
    return submission_id


def problems(answer: Any) -> list[str]:
    """Return the JSON paths an API refusal names."""
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "invalid_request"
    return [problem["path"] for problem in answer.json()["details"]["problems"]]


def beside(html: str, element_id: str) -> str:
    """Return the text of the message a page shows with the given id (tags removed)."""
    found = re.search(rf'<p class="error" id="{re.escape(element_id)}">(.*?)</p>', html, re.DOTALL)
    assert found is not None, f"no message #{element_id}"
    return markup.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


def error_ids(html: str) -> list[str]:
    """Return the ids of every message a page shows beside a form or field."""
    return re.findall(r'<p class="error" id="([^"]+)"', html)


@pytest.mark.parametrize(
    ("path", "body", "where"),
    [
        ("assessments", ASSESSMENT | {"assessor": "OPSG\u0000Chair"}, "body.assessor"),
        ("assessments", ASSESSMENT | {"rating": "green", "rationale": "seen\u0000"}, "body.rationale"),
        ("assessments", ASSESSMENT | {"assessor": "\u202eriahC GSPO"}, "body.assessor"),
        ("revocations", {"group": "SSC", "reason": "\u001b[31mwithdrawn"}, "body.reason"),
        ("assessments", ASSESSMENT | {"assessor": "OPSG\u200dChair"}, "body.assessor"),
        ("assessments", ASSESSMENT | {"assessor": "\ufeffOPSG Chair"}, "body.assessor"),
        ("assessments", ASSESSMENT | {"assessor": "OPSG\u2028Chair"}, "body.assessor"),
    ],
)
def test_the_api_refuses_unprintable_text_naming_the_field(
    client: ActingClient, path: str, body: dict[str, Any], where: str
) -> None:
    submission_id = submit(client)
    answer = client.post(f"/v1/submissions/{submission_id}/{path}", json=body)
    assert problems(answer) == [where]
    assert any(
        kind in answer.text for kind in ("control character", "direction-changing", "invisible or line-breaking")
    )
    assert client.get(f"/v1/submissions/{submission_id}/assessments").json() == []


def test_the_api_refuses_unprintable_conditions_events_decisions_and_token_names(client: ActingClient) -> None:
    submission_id = submit(client)
    assert problems(client.post("/v1/conditions", json=CONDITION | {"text": "x\u0000"})) == ["body.text"]
    assert problems(client.post("/v1/conditions", json=CONDITION | {"due": "\u2067soon"})) == ["body.due"]
    condition = client.get("/v1/conditions", params={"capability": "MOC-MDS"}).json()[0]["id"]
    waive = {"action": "waive", "rationale": "agreed", "approver": "Pat\u0000"}
    assert problems(client.post(f"/v1/conditions/{condition}/events", json=waive)) == ["body.approver"]
    decision = {"outcome": "do_not_recommend", "considered_on": "2020-03-06", "notes": "\u0000"}
    assert problems(client.post(f"/v1/submissions/{submission_id}/decisions", json=decision)) == ["body.notes"]
    assert problems(client.post("/v1/tokens", json={"role": "observer", "name": "Pat\u200f"})) == ["body.name"]
    assert problems(client.post("/v1/tokens", json={"role": "observer", "name": "  "})) == ["body.name"]
    assert client.get(f"/v1/submissions/{submission_id}/decisions").json() == []


def test_the_api_trims_names_and_reads_a_blank_rationale_as_none(client: ActingClient) -> None:
    submission_id = submit(client)
    body = ASSESSMENT | {"assessor": "  OPSG Chair\n", "rationale": "  "}
    made = client.post(f"/v1/submissions/{submission_id}/assessments", json=body)
    assert made.status_code == 201, made.text
    assert (made.json()["assessor"], made.json()["rationale"]) == ("OPSG Chair", None)


def test_an_assessment_form_shows_each_refusal_beside_its_field(client: ActingClient) -> None:
    submission_id = submit(client)
    page = f"/submissions/{submission_id}/assess/OPSG"
    form = {"criterion": "LSC6", "rating": "purple", "assessor": "OPSG\u0000Chair", "rationale": "x" * 8001}
    answer = client.post(page, data=form)
    assert answer.status_code == 422
    html = answer.text
    assert sorted(error_ids(html)) == sorted(
        ["assess-assessor-error", *(f"assess-{field}-LSC6-error" for field in ("accepted", "rating", "rationale"))]
    )
    assert beside(html, "assess-accepted-LSC6-error") == (
        "Not recorded: LSC 6: Say whether the group accepts DCC's statement."
    )
    assert beside(html, "assess-rating-LSC6-error") == "Not recorded: LSC 6: Choose a rating: Green, Amber or Red."
    assert beside(html, "assess-assessor-error") == (
        "Not recorded: The assessor's name must be printable text on one line; "
        "it holds a control character (U+0000) at position 4."
    )
    assert beside(html, "assess-rationale-LSC6-error") == (
        "Not recorded: LSC 6: The rationale is too long: at most 8000 characters."
    )
    assert 'aria-describedby="assess-assessor-hint assess-assessor-error" aria-invalid="true"' in html
    assert "body." not in html  # the pages never show JSON paths
    assert "literal_error" not in html
    assert client.get(f"/v1/submissions/{submission_id}/assessments").json() == []

    blank = client.post(page, data={"criterion": "LSC6", "accepted": "yes", "rating": "amber", "assessor": "  "})
    assert blank.status_code == 422
    assert error_ids(blank.text) == ["assess-assessor-error"]
    assert beside(blank.text, "assess-assessor-error") == "Not recorded: Name the assessor."


def test_a_service_refusal_is_shown_beside_the_field_its_details_name(client: ActingClient) -> None:
    submission_id = submit(client)
    page = f"/submissions/{submission_id}/assess/OPSG"
    red = client.post(page, data={"criterion": "LSC6", "accepted": "yes", "rating": "red", "assessor": "OPSG Chair"})
    assert red.status_code == 422
    assert error_ids(red.text) == ["assess-accepted-LSC6-error"]
    assert "cannot accept DCC's statement and rate the criterion red" in beside(red.text, "assess-accepted-LSC6-error")
    hidden = client.post(page, data={"criterion": "LSC1", "accepted": "yes", "rating": "green", "assessor": "A"})
    assert hidden.status_code == 422  # OPSG does not rate LSC1, and the page has no LSC1 form: said at the top
    assert "OPSG does not rate LSC1." in hidden.text.split('class="cm-error-summary"')[1].split("</div>")[0]


def test_the_conditions_forms_read_with_the_api_models(client: ActingClient) -> None:
    submit(client)
    board = "/capabilities/MOC-MDS/conditions"
    form = {"kind": "pause_trigger", "owner": "TAG", "text": "Stop\u0007", "due": "now", "key": "Not A Key"}
    answer = client.post(board, data=form | {"report_every_days": "monthly"})
    assert answer.status_code == 422
    html = answer.text
    assert sorted(error_ids(html)) == sorted(
        f"add-{field}-error" for field in ("criteria", "text", "report_every_days", "key")
    )
    assert beside(html, "add-criteria-error") == "Not recorded: Tick at least one criterion the condition is about."
    assert beside(html, "add-text-error").startswith("Not recorded: What it requires must be printable text")
    assert beside(html, "add-report_every_days-error") == (
        "Not recorded: Give the report interval as a whole number of days from 1 to 366."
    )
    assert beside(html, "add-key-error") == (
        "Not recorded: A short name uses lower-case letters, digits and hyphens, and starts with one."
    )
    assert 'value="Not A Key"' in html  # what was typed is kept
    taken = form | {"criteria": "LSC1", "text": "Stop", "key": "connectivity-pause"}
    conflict = client.post(board, data=taken)
    assert conflict.status_code == 409
    assert error_ids(conflict.text) == ["add-key-error"]
    assert beside(conflict.text, "add-key-error") == "Not recorded: MOC-MDS already has a condition connectivity-pause."

    conditions = {c["key"]: c["id"] for c in client.get("/v1/conditions", params={"capability": "MOC-MDS"}).json()}
    review = conditions["cio-report-review"]
    event = client.post(f"/conditions/{review}/events", data={"action": "satisfy", "on": "2020-02-30"})
    assert event.status_code == 422
    prefix = f"form-{review}-satisfy"
    assert sorted(error_ids(event.text)) == [f"{prefix}-on-error"]
    assert beside(event.text, f"{prefix}-on-error") == "Not recorded: Give the date as a real date, YYYY-MM-DD."
    missing = client.post(f"/conditions/{review}/events", data={"action": "satisfy", "evidence": " "})
    assert missing.status_code == 422
    assert beside(missing.text, f"{prefix}-evidence-error") == "Not recorded: To satisfy a condition, give evidence."


def test_decision_refusals_in_the_panels_words(client: ActingClient) -> None:
    submission_id = submit(client)
    page = f"/submissions/{submission_id}/decision"
    open_ids = [c["id"] for c in client.get("/v1/conditions", params={"capability": "MOC-MDS"}).json()]
    recommend = {"outcome": "recommend", "considered_on": "2020-03-06", "condition_ids": open_ids}
    answer = client.post(page, data=recommend)
    assert answer.status_code == 422
    assert error_ids(answer.text) == ["decision-outcome-error"]
    assert beside(answer.text, "decision-outcome-error") == (
        'Not recorded: Conditions are attached: choose "Recommend go-live with conditions", or untick them.'
    )
    undated = client.post(page, data={"outcome": "do_not_recommend", "notes": "x\u0000"})
    assert sorted(error_ids(undated.text)) == ["decision-considered_on-error", "decision-notes-error"]
    assert beside(undated.text, "decision-considered_on-error") == (
        "Not recorded: Give the date the Panel considered the evidence."
    )
    made = client.post(
        page, data={"outcome": "do_not_recommend", "considered_on": "2020-03-06"}, follow_redirects=False
    )
    assert made.status_code == 303
    stale = client.post(page, data={"outcome": "do_not_recommend", "considered_on": "2020-03-07"})
    assert stale.status_code == 409
    assert error_ids(stale.text) == ["decision-error"]  # the decision it must correct is no field of the form
    assert beside(stale.text, "decision-error") == (
        "Not recorded: The Panel has already decided on this submission; a correction must supersede that "
        "decision. The page now shows the decision on record: check it before recording a correction."
    )
    decisions = client.get(f"/v1/submissions/{submission_id}/decisions").json()
    assert [d["considered_on"] for d in decisions] == ["2020-03-06"]


def test_a_revocation_form_refuses_a_blank_or_unprintable_reason(client: ActingClient) -> None:
    submission_id = submit(client)
    page = f"/submissions/{submission_id}/revoke/SSC"
    ssc = bearer(client.tokens[Role.SSC])
    blank = client.post(page, data={"reason": "   "}, headers=ssc)
    assert blank.status_code == 422
    assert beside(blank.text, "revoke-reason-error") == (
        "Not recorded: Give the reason for revoking the recommendation."
    )
    hidden = client.post(page, data={"reason": "fine\u202e"}, headers=ssc)
    assert beside(hidden.text, "revoke-reason-error").startswith(
        "Not recorded: The reason must be printable text; it holds a direction-changing character (U+202E)"
    )
    assert client.get("/v1/readiness/MOC-MDS").json()["revocations"] == []


def test_a_body_that_is_not_json_is_400_on_every_route_that_takes_one(client: ActingClient) -> None:
    submission_id = submit(client)
    condition = client.get("/v1/conditions", params={"capability": "MOC-MDS"}).json()[0]["id"]
    for path in (
        f"/v1/submissions/{submission_id}/assessments",
        f"/v1/submissions/{submission_id}/revocations",
        "/v1/conditions",
        f"/v1/conditions/{condition}/events",
        f"/v1/submissions/{submission_id}/decisions",
        "/v1/tokens",
        "/v1/tokens/t-404/revocation",
    ):
        answer = client.post(path, content=b'{"group": ', headers={"Content-Type": "application/json"})
        assert answer.status_code == 400, (path, answer.text)
        assert answer.json() == {
            "code": "invalid_request",
            "message": "the body is not well-formed JSON",
            "details": {"problems": [{"path": "body", "message": "Expecting value at character 10"}]},
        }
    not_utf8 = client.post("/v1/conditions", content=b"\xff\xfe", headers={"Content-Type": "application/json"})
    assert not_utf8.status_code == 400
    wrong_shape = client.post("/v1/conditions", json=[CONDITION])
    assert wrong_shape.status_code == 422  # well-formed JSON of the wrong shape is still a field to correct


def test_an_address_holding_a_control_or_direction_changing_character_is_refused_naming_the_parameter(
    client: ActingClient,
) -> None:
    submission_id = submit(client)
    for url, params, path in (
        ("/v1/conditions", {"capability": "MOC\x00MDS"}, "query.capability"),
        ("/v1/submissions", {"capability": "\u202eMOC-MDS"}, "query.capability"),
        ("/v1/submissions/SUB%00-1", {}, "path.submission_id"),
        (f"/v1/submissions/{submission_id}/diff", {"from": "\x00"}, "query.from"),
    ):
        answer = client.get(url, params=params)
        assert answer.status_code == 400, (url, answer.text)
        assert answer.json()["code"] == "invalid_request"
        assert [problem["path"] for problem in answer.json()["details"]["problems"]] == [path]
        assert "must be printable text on one line; it holds" in answer.json()["details"]["problems"][0]["message"]
    for url, problem in (("/v1/submissions?a%00b=1", "query"), ("/v1/readiness/MOC-MDS%0A", "path.capability")):
        answer = client.get(url)
        assert answer.status_code == 400, url
        assert [p["path"] for p in answer.json()["details"]["problems"]] == [problem]
    page = client.get("/submissions/SUB%00-1/history", headers={"Accept": "text/html"})
    assert page.status_code == 400
    assert "no name or id may hold" in markup.unescape(page.text)
    assert client.get("/v1/conditions", params={"capability": "MOC-MDS"}).status_code == 200


def test_a_form_sent_in_another_character_set_than_utf8_is_refused_and_nothing_is_recorded(
    client: ActingClient,
) -> None:
    submission_id = submit(client)
    page = f"/submissions/{submission_id}/revoke/SSC"
    body = b'--XyZ\r\nContent-Disposition: form-data; name="reason"\r\n\r\ngone \\ud800\r\n--XyZ--\r\n'
    for charset in ("unicode_escape", '"utf-7"'):
        headers = {**bearer(client.tokens[Role.SSC]), "Accept": "text/html"}
        headers["Content-Type"] = f"multipart/form-data; boundary=XyZ; charset={charset}"
        refused = client.post(page, content=body, headers=headers)
        assert refused.status_code == 400, refused.text
        assert "form must be sent in UTF-8" in markup.unescape(refused.text)
    assert client.get("/v1/readiness/MOC-MDS").json()["revocations"] == []
    utf8 = {**bearer(client.tokens[Role.SSC]), "Content-Type": "multipart/form-data; boundary=XyZ; charset=UTF-8"}
    plain = b'--XyZ\r\nContent-Disposition: form-data; name="reason"\r\n\r\nfine\r\n--XyZ--\r\n'
    assert client.post(page, content=plain, headers=utf8).status_code < 400


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("gone \ud800", "half of a character (U+D800) at position 5"),
        ("a\x00b", "a control character (U+0000) at position 1"),
        ("name\u202e", "a direction-changing character (U+202E) at position 4"),
        ("two\nlines", "a control character (U+000A) at position 3"),
    ],
)
def test_unprintable_text_is_named_by_what_and_where(text: str, said: str) -> None:
    assert unprintable(text) == said
    assert unprintable("plain words, accents é and 😀") is None


def test_a_pack_naming_a_provider_or_a_measure_in_unprintable_text_is_refused_at_each_path() -> None:
    document = json.loads(MDS)
    document["bcdr"]["required_providers"][0] = "EVIL\u202e"
    document["bcdr"]["plan"]["covers_providers"].append("ESC\x1b[31m")
    document["performance"][0]["measure"] = "a\x00b"
    with pytest.raises(InvalidPack) as refused:
        parse_pack(json.dumps(document).encode())
    last = len(document["bcdr"]["plan"]["covers_providers"]) - 1
    assert sorted(problem.path for problem in refused.value.problems) == [
        f"bcdr.plan.covers_providers[{last}]",
        "bcdr.required_providers[0]",
        "performance[0].measure",
    ]
