"""The meeting pack: an agenda and each capability's position for a meeting's date, as a page and as a PDF."""

from __future__ import annotations

import json
import subprocess

import pytest

from api.web import meeting
from lsc_engine.access.policy import Role

from .auth import ActingClient, bearer
from .conftest import FIXTURES
from .helpers import disclosures

pytestmark = pytest.mark.api

MDS = (FIXTURES / "seed-moc-mds-2020-03.json").read_bytes()
SECURE = (FIXTURES / "seed-moc-secure-2020-08.json").read_bytes()
PACK = "/meetings/pack?on=2020-09-01&capability=MOC-MDS&capability=MOC-SECURE"


@pytest.fixture
def decided(client: ActingClient) -> ActingClient:
    """MOC MDS decided on 9 March 2020, then a version 2 whose BCDR test failed; MOC Secure submitted."""
    first = client.post("/v1/submissions", content=MDS).json()["submission"]["id"]
    decision = {"outcome": "recommend_with_conditions", "considered_on": "2020-03-09"}
    assert client.post(f"/v1/submissions/{first}/decisions", json=decision).status_code == 201
    changed = json.loads(MDS)
    changed["bcdr"]["tests"][0]["result"] = "failed"
    assert client.post("/v1/submissions", content=json.dumps(changed)).status_code == 201
    assert client.post("/v1/submissions", content=SECURE).status_code == 201
    return client


def test_the_pack_gives_each_capability_its_position_changes_concerns_and_conditions(decided: ActingClient) -> None:
    answer = decided.get(PACK, headers=bearer(decided.tokens[Role.PANEL]))
    assert answer.status_code == 200, answer.text
    text = answer.text
    for said in (
        "Meeting pack for 1 September 2020",
        "Since the Panel's decision considered on 9 March 2020:",
        "LSC 9, OPSG: the proposal went from Amber to Red, because of new evidence; now: Latest BCDR test failed.",
        "LSC 9 is Red for OPSG (the engine&#39;s proposal)",
        "The Panel has not decided on this capability before this meeting.",
        "Prerequisite to go-live (SSC)",
    ):
        assert said in text, said
    assert text.index("1. MOC-MDS") < text.index("2. MOC-SECURE")
    assert "LSC9-OPSG" not in text
    assert "postdates the meeting" not in text
    early = decided.get(
        "/meetings/pack?on=2020-03-20&capability=MOC-SECURE", headers=bearer(decided.tokens[Role.PANEL])
    )
    assert "This evidence postdates the meeting:</strong> it is evaluated as at 7 August 2020, after 20 March 2020" in (
        early.text
    )


def test_the_pdf_is_the_same_pack_one_capability_a_page(decided: ActingClient) -> None:
    answer = decided.get(PACK + "&format=pdf", headers=bearer(decided.tokens[Role.OPSG]))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == 'attachment; filename="lsc-meeting-pack-2020-09-01.pdf"'
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=answer.content, capture_output=True, check=True
    ).stdout.decode()
    assert "SEC Panel meeting pack, 1 September 2020" in text
    assert "LSC 9, OPSG: the proposal went from Amber to Red, because of new evidence" in text
    pages = text.split("\f")
    assert "1. MOC-MDS: Not ready; go-live blocked" in pages[0]  # the agenda
    starts = [next(i for i, page in enumerate(pages) if f"{name}\nVersion" in page) for name in ("MDS", "SECURE")]
    assert 0 < starts[0] < starts[1]  # each capability starts a page of its own, after the agenda


def test_choosing_a_meeting_and_bad_choices(decided: ActingClient) -> None:
    panel = bearer(decided.tokens[Role.PANEL])
    chooser = decided.get("/meetings/pack", headers=panel).text
    assert 'value="MOC-MDS"' in chooser
    assert 'value="MOC-SECURE"' in chooser
    bad = decided.get("/meetings/pack?on=2020-02-30&capability=MOC-MDS", headers=panel)
    assert bad.status_code == 422
    assert "The meeting date must be a real date written as YYYY-MM-DD; “2020-02-30” is not." in bad.text
    unknown = decided.get("/meetings/pack?on=2020-09-01&capability=NO-SUCH", headers=panel)
    assert unknown.status_code == 404
    assert "There is no evidence for a capability called NO-SUCH." in unknown.text
    odd = decided.get("/meetings/pack?on=2020-09-01&capability=MOC-MDS&format=docx", headers=panel)
    assert odd.status_code == 404
    assert "choose html or pdf" in odd.text


def test_the_pack_names_a_changed_reason_and_each_groups_own_view(client: ActingClient) -> None:
    """A CIO report received reopens SSC's LSC 10.6 without changing its rating; OPSG's view carries forward."""
    first = client.post("/v1/submissions", content=MDS).json()["submission"]["id"]
    opsg = {"group": "OPSG", "accepted": True, "assessor": "OPSG Chair"}
    said = "January was the worst month since the service began."
    for body in (
        {**opsg, "criterion": "LSC6", "rating": "amber", "rationale": said},
        {"group": "SSC", "accepted": True, "assessor": "SSC Chair", "criterion": "LSC10.6", "rating": "amber"},
    ):
        assert client.post(f"/v1/submissions/{first}/assessments", json=body).status_code == 201
    decision = {"outcome": "recommend_with_conditions", "considered_on": "2020-03-09"}
    assert client.post(f"/v1/submissions/{first}/decisions", json=decision).status_code == 201
    changed = json.loads(MDS)
    changed["security"]["cio_report"]["status"] = "submitted"
    second = client.post("/v1/submissions", content=json.dumps(changed)).json()["submission"]["id"]

    text = client.get("/meetings/pack?on=2020-04-01&capability=MOC-MDS", headers=bearer(client.tokens[Role.PANEL])).text
    [line] = [part for part in text.split("<li>") if part.startswith("LSC 10.6, SSC")]
    assert line.startswith(
        "LSC 10.6, SSC: the proposal is still Amber, but because of new evidence its reasons changed. It now reads:"
    ), line
    assert "SSC has not accepted the CIO report (with SSC, not yet reviewed)" in line, line
    assert "Before, it read: SSC has not accepted the CIO report (not yet made available to SSC)" in line, line
    assert f"OPSG's view</strong> (OPSG Chair), carried forward from version 1: {said}" in text
    assert "LSC10.6" not in text.replace('data-cell="LSC10.6', "")

    evaluations = client.get(f"/v1/submissions/{first}/evaluations").json()
    later = client.get(f"/v1/submissions/{second}/evaluations").json()
    compared = client.get(
        f"/submissions/{second}/history?from={evaluations[0]['id']}&to={later[0]['id']}",
        headers=bearer(client.tokens[Role.PANEL]),
    ).text
    assert "No rating differs." in compared
    revised = compared[compared.index("Same rating, different reasons") :]
    assert 'data-cell="LSC10.6/SSC"' in revised
    assert "It now reads: SSC has not accepted the CIO report (with SSC, not yet reviewed)" in revised
    assert "Before, it read: SSC has not accepted the CIO report (not yet made available to SSC)" in revised


def test_the_panels_pack_marks_what_is_confidential_and_others_see_it_withheld(client: ActingClient) -> None:
    confidential = (FIXTURES / "synthetic-confidential-item.json").read_bytes()
    assert client.post("/v1/submissions", content=confidential).status_code == 201
    url = "/meetings/pack?on=2021-07-01&capability=FOC-TRANCHE-3"
    panel = client.get(url, headers=bearer(client.tokens[Role.PANEL])).text
    assert "Confidential to SSC and the Panel:</span> 1 high-severity security issue is open." in panel
    dcc = client.get(url, headers=bearer(client.tokens[Role.DCC])).text
    assert "1 high-severity security issue is open." not in dcc
    assert "[confidential: shown to SSC and the Panel]" in dcc
    assert "Confidential to SSC" not in dcc, "a withheld finding is not labelled twice"


def _two_confidential_capabilities(client: ActingClient) -> dict[str, str]:
    """Submit the confidential pack as two capabilities whose confidential items differ; return their submissions."""
    text = (FIXTURES / "synthetic-confidential-item.json").read_text()
    submitted = {}
    for capability, item in (("FOC-TRANCHE-3", "SEC-T3-HAN-ASSURANCE"), ("FOC-TRANCHE-4", "SEC-T4-HAN-ASSURANCE")):
        pack = json.loads(text.replace("SEC-T3-HAN-ASSURANCE", item))
        pack["statement"]["capability"] = capability
        answer = client.post("/v1/submissions", content=json.dumps(pack).encode())
        submitted[item] = answer.json()["submission"]["id"]
    return submitted


TWO = "/meetings/pack?on=2021-07-01&capability=FOC-TRANCHE-3&capability=FOC-TRANCHE-4"


@pytest.mark.parametrize(("form", "role"), [("html", Role.SSC), ("pdf", Role.PANEL), ("html", Role.OPSG)])
def test_what_each_capabilitys_brief_shows_is_recorded_under_its_own_submission(
    client: ActingClient, form: str, role: Role
) -> None:
    submitted = _two_confidential_capabilities(client)
    earlier = {d.id for d in disclosures(client)}
    answer = client.get(f"{TWO}&format={form}", headers=bearer(client.tokens[role]))
    assert answer.status_code == 200, answer.text
    recorded = {str(d.submission_id): d for d in disclosures(client) if d.id not in earlier}
    if role == Role.OPSG:  # nothing confidential is shown to OPSG
        assert recorded == {}
        return
    assert sorted(recorded) == sorted(submitted.values())
    for item, submission in submitted.items():
        assert recorded[submission].view == "GET /meetings/pack"
        items = set(json.loads(recorded[submission].items))
        assert item in items
        assert not {other for other in submitted if other != item} & items, "each brief's items under its own"


def test_a_meeting_pack_not_sent_records_nothing(client: ActingClient, monkeypatch: pytest.MonkeyPatch) -> None:
    _two_confidential_capabilities(client)
    ssc = bearer(client.tokens[Role.SSC])
    earlier = len(disclosures(client))
    assert client.get(f"{TWO}&capability=NO-SUCH", headers=ssc).status_code == 404  # after two it could read

    def unread(*_args: object) -> None:
        raise AssertionError("a pack in a format refused is not read")

    with monkeypatch.context() as patched:
        patched.setattr(meeting, "_brief", unread)
        assert client.get(f"{TWO}&format=docx", headers=ssc).status_code == 404

    def broken(_document: str) -> bytes:
        raise RuntimeError("the printer failed")

    monkeypatch.setattr(meeting, "pdf", broken)
    assert client.get(f"{TWO}&format=pdf", headers=ssc).status_code == 500
    assert len(disclosures(client)) == earlier


def test_what_a_brief_shows_of_the_version_last_decided_is_recorded_under_that_version(client: ActingClient) -> None:
    """Version 1 decided, version 2's confidential finding reads otherwise: each side is recorded under its own."""
    confidential = (FIXTURES / "synthetic-confidential-item.json").read_text()
    first = client.post("/v1/submissions", content=confidential).json()["submission"]["id"]
    decision = {"outcome": "recommend_with_conditions", "considered_on": "2021-06-20"}
    assert client.post(f"/v1/submissions/{first}/decisions", json=decision).status_code == 201
    changed = json.loads(confidential)
    changed["security"]["independent_assurance"]["status"] = "reported"
    second = client.post("/v1/submissions", content=json.dumps(changed)).json()["submission"]["id"]
    evaluated = {s: client.get(f"/v1/submissions/{s}/evaluations").json()[0]["id"] for s in (first, second)}
    earlier = {d.id for d in disclosures(client)}

    answer = client.get(
        "/meetings/pack?on=2021-07-01&capability=FOC-TRANCHE-3", headers=bearer(client.tokens[Role.SSC])
    )
    assert answer.status_code == 200, answer.text
    assert "Since the Panel's decision considered on 20 June 2021:" in answer.text
    assert "the assurance is reported as in progress" in answer.text  # the changed reason, shown to its owners
    recorded = {str(d.submission_id): set(json.loads(d.items)) for d in disclosures(client) if d.id not in earlier}
    assert sorted(recorded) == sorted([first, second])
    assert f"LSC10.4/SSC@{evaluated[first]}" in recorded[first]
    assert f"LSC10.4/SSC@{evaluated[second]}" in recorded[second]
    assert not any(evaluated[second] in item for item in recorded[first]), "the later side named under the earlier"
    assert not any(evaluated[first] in item for item in recorded[second]), "the earlier side named under the later"
