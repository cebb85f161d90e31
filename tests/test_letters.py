"""Letters as records: draft from a decision, edit, preview, issue, correct, read the appendix, verify a copy."""

from __future__ import annotations

import hashlib
import json
import os
import pty
import subprocess
import sys
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from lsc_engine import load_ruleset
from lsc_engine.access.policy import Role
from lsc_engine.committee.composition import compose
from lsc_engine.committee.inputs import DecisionIn
from lsc_engine.committee.letter import markdown
from lsc_engine.committee.letter_text import LetterText
from lsc_engine.committee.letterhead import load_letterhead
from lsc_engine.committee.letters import LetterDraftIn, LetterIssueIn
from lsc_engine.services import letters as letters_service
from lsc_engine.services.committee import Committee
from lsc_engine.services.letters import Letters
from lsc_engine.settings import Settings
from lsc_engine.store import migrate
from lsc_engine.store.audit import verify_database
from lsc_engine.store.db import make_engine

from .auth import ActingClient, bearer
from .conftest import FIXTURES, RULES
from .helpers import run_lsc

pytestmark = pytest.mark.api

MDS = (FIXTURES / "seed-moc-mds-2020-03.json").read_bytes()
#: A pack whose SSC evidence is confidential: its HAN assurance (with the condition carried over on it) and an issue.
CONFIDENTIAL = (FIXTURES / "synthetic-confidential-item.json").read_bytes()
#: Where the confidential pack's carried-over condition comes from, which only SSC and the Panel may read.
ORIGIN = "carried over from condition 1 of the decision on FOC Tranche 2 (SEC Panel, 19 February 2021)"


def _decided(client: ActingClient, pack: bytes = MDS, considered_on: str = "2020-03-06") -> str:
    submission = client.post("/v1/submissions", content=pack).json()["submission"]["id"]
    decided = client.post(
        f"/v1/submissions/{submission}/decisions",
        json={"outcome": "recommend_with_conditions", "considered_on": considered_on, "notes": "Take care."},
    )
    assert decided.status_code == 201, decided.text
    return str(decided.json()["id"])


def _sha(content: bytes) -> str:
    return "sha256:" + hashlib.sha256(content).hexdigest()


def _pdf_text(content: bytes) -> str:
    read = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True)
    return " ".join(read.stdout.decode().split())


def _field(answer: Any) -> object:
    return answer.json()["details"].get("field")


def test_draft_edit_preview_issue_and_correct(client: ActingClient, settings: Settings) -> None:
    decision = _decided(client)
    drafted = client.post(f"/v1/decisions/{decision}/letters", json={"letter_date": "2020-03-09"})
    assert drafted.status_code == 201, drafted.text
    letter = drafted.json()
    assert (letter["state"], letter["revision"], letter["letter_date"]) == ("draft", 1, "2020-03-09")
    assert {"opening", "determination", "remarks", "testing", "annex:LSC8/OPSG", "residual"} <= set(letter["editable"])
    assert letter["digests"] == {}
    url = f"/v1/letters/{letter['id']}"

    again = client.post(f"/v1/decisions/{decision}/letters", json={})
    assert again.status_code == 409
    assert again.json()["details"]["letter_id"] == letter["id"]

    early = client.patch(url, json={"revision": 1, "letter_date": "2020-03-01"})
    assert (early.status_code, _field(early)) == (422, "letter_date")
    assert "before the Panel considered the evidence on 2020-03-06" in early.json()["message"]
    unknown = client.patch(url, json={"revision": 1, "paragraphs": [{"key": "annex:LSC1/TAG", "text": "x"}]})
    assert (unknown.status_code, _field(unknown)) == (422, "paragraphs")
    assert unknown.json()["details"]["unknown"] == ["annex:LSC1/TAG"]
    blank = client.patch(url, json={"revision": 1, "paragraphs": [{"key": "remarks", "text": "  "}]})
    assert blank.status_code == 422
    assert blank.json()["details"]["problems"][0]["path"] == "body.paragraphs.0.text"

    remark = "Particular care is needed with active installations: their consumers are live."
    edited = client.patch(
        url, json={"revision": 1, "letter_date": "2020-03-10", "paragraphs": [{"key": "remarks", "text": remark}]}
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["revision"], edited.json()["letter_date"]) == (2, "2020-03-10")
    stale = client.patch(url, json={"revision": 1, "paragraphs": [{"key": "remarks", "text": "older"}]})
    assert (stale.status_code, _field(stale)) == (409, "revision")

    preview = client.get(f"{url}/document", params={"format": "markdown"})
    assert remark in preview.text
    assert "\n10 March 2020\n" in preview.text
    assert preview.text.startswith("**DRAFT: not issued by the Panel**"), "a draft says so before anything else"
    composed = client.get(f"/v1/decisions/{decision}/letter", params={"format": "pdf"})
    assert "DRAFT: not issued by the Panel" in _pdf_text(composed.content), "a letter composed on demand is a draft"

    stale_issue = client.post(f"{url}/issue", json={"revision": 1})
    assert (stale_issue.status_code, _field(stale_issue)) == (409, "revision")
    issued = client.post(f"{url}/issue", json={"revision": 2})
    assert issued.status_code == 200, issued.text
    record = issued.json()
    assert (record["state"], record["revision"]) == ("issued", 3)
    # Nothing in MOC MDS is confidential, as the Panel's own letter shows: no appendix is issued.
    assert set(record["digests"]) == {"letter.html", "letter.md", "letter.pdf"}
    none = client.get(f"{url}/appendix")
    assert (none.status_code, none.json()["message"]) == (404, "this letter has no confidential appendix")
    assert record["editable"] == {}

    changed = client.patch(url, json={"revision": 3, "paragraphs": [{"key": "remarks", "text": "later"}]})
    assert (changed.status_code, _field(changed)) == (409, "revision")
    assert "an issued letter does not change" in changed.json()["message"]

    pdf = client.get(f"{url}/document", params={"format": "pdf"})
    assert pdf.headers["content-type"] == "application/pdf"
    saved = f'attachment; filename="panel-letter-{record["letter_date"]}-{record["id"][:8]}.pdf"'
    assert pdf.headers["content-disposition"] == saved, "saved under the letter's date, not a record id"
    markdown_file = client.get(f"{url}/document", params={"format": "markdown"})
    assert markdown_file.headers["content-disposition"] == saved.replace(".pdf", ".md")
    assert "DRAFT" not in markdown_file.text
    assert "DRAFT" not in _pdf_text(pdf.content), "the issued letter carries no draft mark"
    assert _sha(pdf.content) == record["digests"]["letter.pdf"], "the file as issued, byte for byte"
    text = _pdf_text(pdf.content)
    for said in (
        "Duncan Stone",
        "10 March 2020",
        "Dear Duncan,",
        "This letter is the Panel's report to the Secretary of State",
        "I. the Panel accepts DCC's statement of readiness.",
        remark,
        "Yours sincerely, Peter Davies SEC Panel Chair",
        "Annex 1: the Panel's considerations",
        "DCC's completion reports for System Integration Testing (completed 24 January 2020),",
        "TAG has not yet recorded its own assessment.",
    ):
        assert said in text, said
    assert "assurance of messages to HAN-connected devices is under way" in text, "stated openly, as the Panel did"
    assert decision not in text
    assert "sha256" not in text

    unsuperseding = client.post(f"/v1/decisions/{decision}/letters", json={})
    assert (unsuperseding.status_code, _field(unsuperseding)) == (409, "supersedes")
    correction = client.post(f"/v1/decisions/{decision}/letters", json={"supersedes": letter["id"]})
    assert correction.status_code == 201, correction.text
    # The correction starts from the issued letter's own words and date, and says first which letter it replaces.
    drafted = correction.json()
    assert drafted["letter_date"] == record["letter_date"]
    assert drafted["text"]["paragraphs"]["remarks"] == remark
    replaces = "This letter corrects and replaces the Panel's letter of 10 March 2020 on this decision."
    assert drafted["text"]["paragraphs"]["correction"] == replaces
    assert "correction" in drafted["editable"]
    drafted_text = client.get(f"/v1/letters/{drafted['id']}/document", params={"format": "markdown"}).text
    assert drafted_text.index(replaces) < drafted_text.index("On 6 March 2020 the Panel considered")
    fixed = client.post(f"/v1/letters/{correction.json()['id']}/issue", json={"revision": 1})
    assert fixed.status_code == 200, fixed.text
    assert client.get(url).json()["superseded_by"] == correction.json()["id"]
    listed = client.get(f"/v1/decisions/{decision}/letters").json()
    assert [(x["id"], x["state"]) for x in listed] == [(letter["id"], "issued"), (correction.json()["id"], "issued")]

    engine = make_engine(settings)
    try:
        checked = verify_database(engine)
    finally:
        engine.dispose()
    assert checked.intact, checked.problems


def test_the_confidential_appendix_goes_only_to_those_entitled(client: ActingClient) -> None:
    decision = _decided(client, CONFIDENTIAL, "2021-06-15")
    letter = client.post(f"/v1/decisions/{decision}/letters", json={}).json()
    url = f"/v1/letters/{letter['id']}"
    draft = {
        role: client.get(f"{url}/appendix", params={"format": "markdown"}, headers=bearer(client.tokens[role]))
        for role in Role
    }
    for role in (Role.DCC, Role.TAG, Role.OPSG, Role.OBSERVER):
        assert draft[role].status_code == 403, role
        assert "for the Panel and the Sub-Committees whose evidence it holds" in draft[role].json()["message"]
    for role in (Role.SSC, Role.PANEL):
        assert draft[role].status_code == 200, role
        assert "HAN-connected devices" in draft[role].text
        assert ORIGIN in draft[role].text
    as_json = client.get(url, headers=bearer(client.tokens[Role.OPSG])).json()["text"]["appendix"]
    assert (as_json["entries"], as_json["withheld"]) == ([], 3)
    document = client.get(f"{url}/document", params={"format": "markdown"}, headers=bearer(client.tokens[Role.SSC]))
    assert "HAN-connected devices" not in document.text, "the letter itself leaves the assurance to the appendix"
    assert ORIGIN not in document.text

    issued = client.post(f"{url}/issue", json={"revision": 1}).json()
    assert {"appendix.html", "appendix.md", "appendix.pdf"} <= set(issued["digests"])
    for role in (Role.SSC, Role.PANEL):
        pdf = client.get(f"{url}/appendix", params={"format": "pdf"}, headers=bearer(client.tokens[role]))
        assert _sha(pdf.content) == issued["digests"]["appendix.pdf"], role
        assert "CONFIDENTIAL" in _pdf_text(pdf.content)
    refused = client.get(f"{url}/appendix", params={"format": "pdf"}, headers=bearer(client.tokens[Role.DCC]))
    assert refused.status_code == 403


def test_a_copy_is_checked_against_the_letters_as_issued(client: ActingClient) -> None:
    decision = _decided(client)
    letter = client.post(f"/v1/decisions/{decision}/letters", json={}).json()
    client.post(f"/v1/letters/{letter['id']}/issue", json={"revision": 1})
    markdown = client.get(f"/v1/letters/{letter['id']}/document", params={"format": "markdown"}).content
    found = client.post("/v1/letter-verifications", content=markdown).json()["matches"]
    assert [(m["letter_id"], m["file"], m["letter_date"]) for m in found] == [(letter["id"], "letter.md", "2020-03-06")]
    altered = markdown.replace(b"Peter Davies", b"Someone Else")
    assert client.post("/v1/letter-verifications", content=altered).json()["matches"] == []


def test_a_decision_letter_can_be_dated_and_refuses_a_bad_date(client: ActingClient) -> None:
    decision = _decided(client)
    dated = client.get(f"/v1/decisions/{decision}/letter", params={"format": "markdown", "letter_date": "2020-03-09"})
    assert "\n9 March 2020\n" in dated.text
    bad = client.get(f"/v1/decisions/{decision}/letter", params={"letter_date": "2020-02-30"})
    assert bad.status_code == 422
    assert "letter_date" in bad.text


def test_the_schema_has_the_letters_table(settings: Settings) -> None:
    if not settings.is_sqlite:
        pytest.skip("the migrations are compared with the models once, on SQLite")
    migrate.check(settings)  # raises if the models and the migrations differ


def test_lsc_letter_verify_names_the_letter_or_exits_2(tmp_path: Path) -> None:
    data = tmp_path / "data"
    lsc = partial(run_lsc, data_dir=data)
    assert lsc("submit", str(FIXTURES / "seed-moc-mds-2020-03.json")).returncode == 0
    engine = make_engine(Settings(data_dir=data))
    try:
        ruleset = load_ruleset(RULES)
        committee = Committee(engine, ruleset)
        submission = committee.readiness("MOC-MDS").submission_id
        decided = DecisionIn(outcome="recommend_with_conditions", considered_on=date(2020, 3, 6))
        decision = committee.decide(submission, decided, actor="cli:test")
        letters = Letters(engine, ruleset, load_letterhead())
        draft = letters.draft(decision.id, LetterDraftIn(letter_date=date(2020, 3, 9)), actor="cli:test")
        issued = letters.issue(draft.id, LetterIssueIn(revision=1), actor="cli:test")
        pdf = letters.issued_file(issued.id, "letter.pdf")
    finally:
        engine.dispose()
    assert pdf is not None
    copy = tmp_path / "copy.pdf"
    copy.write_bytes(pdf)
    found = lsc("letter", "verify", str(copy))
    assert found.returncode == 0, found.stderr
    assert f"is letter.pdf of letter {issued.id} dated 9 March 2020, on decision {decision.id}" in found.stdout
    copy.write_bytes(pdf[:-10] + b"tampered\n")
    refused = lsc("letter", "verify", str(copy))
    assert refused.returncode == 2
    assert "matches no issued letter" in refused.stderr
    preview = lsc("letter", decision.id, "--format", "markdown", "--date", "2020-03-11")
    assert preview.returncode == 0, preview.stderr
    assert "\n11 March 2020\n" in preview.stdout
    missing = lsc("letter", "verify", str(tmp_path / "nothing.pdf"))
    assert missing.returncode == 2
    assert "cannot read" in missing.stderr


def test_a_letter_on_a_later_version_names_the_panels_earlier_decision(client: ActingClient) -> None:
    earlier = _decided(client, considered_on="2020-03-09")
    changed = json.loads(MDS)
    changed["security"]["cio_report"]["status"] = "submitted"
    later = _decided(client, pack=json.dumps(changed).encode(), considered_on="2020-04-01")
    letter = client.get(f"/v1/decisions/{later}/letter", params={"format": "markdown"}).text
    assert (
        "The Panel last decided on this capability on 9 March 2020, on version 1 of DCC's evidence; the conditions "
        "it set then that are still open are set out again below." in letter
    )
    first = client.get(f"/v1/decisions/{earlier}/letter", params={"format": "markdown"}).text
    assert "last decided" not in first, "a first decision has no earlier one to name"


def test_a_draft_is_composed_before_the_audit_chain_is_locked(
    client: ActingClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Composing reads the whole pack (seconds for a large one); every other write waited for it, and on SQLite a
    # submission failed as the database being locked. While this draft is composed, the Panel corrects its decision
    # on the earlier version: a write that would wait for the head until the database's timeout if it were held.
    earlier = _decided(client, considered_on="2020-03-09")
    changed = json.loads(MDS)
    changed["security"]["cio_report"]["status"] = "submitted"
    later = _decided(client, pack=json.dumps(changed).encode(), considered_on="2020-04-01")
    app = client.app.state  # type: ignore[attr-defined]
    earlier_submission = app.committee.decision(earlier).submission_id
    named: list[tuple[int, date] | None] = []

    def composing(*args: Any, **kwargs: Any) -> LetterText:
        named.append(kwargs["previous"])
        if len(named) == 1:
            corrected = DecisionIn(
                outcome="recommend_with_conditions", considered_on=date(2020, 3, 11), supersedes=earlier
            )
            app.committee.decide(earlier_submission, corrected, actor="panel:Chair")
        return compose(*args, **kwargs)

    monkeypatch.setattr(letters_service, "compose", composing)
    drafted = app.letters.draft(later, LetterDraftIn(letter_date=date(2020, 4, 2)), actor="panel:Chair")
    # Composed once outside the head; under it, the earlier decision it named had changed, so composed again.
    assert named == [(1, date(2020, 3, 9)), (1, date(2020, 3, 11))]
    assert "The Panel last decided on this capability on 11 March 2020, on version 1 of DCC's evidence" in markdown(
        drafted.text
    )
    assert verify_database(app.letters.database).problems == []


def test_lsc_letter_will_not_write_a_pdf_to_a_terminal(tmp_path: Path) -> None:
    primary, secondary = pty.openpty()
    try:
        shown = subprocess.run(
            [sys.executable, "-m", "lsc_engine", "letter", "show", "any-decision"],
            stdout=secondary,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "LSC_DATA_DIR": str(tmp_path / "data")},
            check=False,
        )
    finally:
        os.close(secondary)
        os.close(primary)
    assert shown.returncode == 2
    assert "a PDF would be written to the terminal: give -o FILE, or --format markdown to read it" in shown.stderr
