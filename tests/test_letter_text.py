"""The letter's text: composed from a decision and its evidence in the Panel's words, nothing confidential in it."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from lsc_engine.committee.annex_notes import annex_paragraph
from lsc_engine.committee.composition import compose
from lsc_engine.committee.conditions import ConditionState, Pause, Status
from lsc_engine.committee.gate import Assessment
from lsc_engine.committee.letter import markdown
from lsc_engine.committee.letter_text import Evidence, LetterText
from lsc_engine.committee.letterhead import load_letterhead
from lsc_engine.committee.plain import plain
from lsc_engine.committee.snapshot import AnnexEntry, Snapshot, snapshot
from lsc_engine.committee.views import DecisionView
from lsc_engine.core.decision import evaluate
from lsc_engine.core.evidence import Group
from lsc_engine.core.loading import parse_pack
from lsc_engine.core.rating import Rating
from lsc_engine.core.ruleset import Ruleset
from lsc_engine.errors import InvalidLetterhead

from .conftest import FIXTURES
from .helpers import Submitted
from .test_snapshot import GOLDEN

MDS = FIXTURES / "seed-moc-mds-2020-03.json"
RECEIVED = datetime(2020, 3, 6, 13, 0, tzinfo=UTC)
#: What no letter may say: rule output's optional plurals, raw statuses, rule ids, record ids and digests.
RAW = re.compile(r"\(s\)|in_progress|status is none|stands at: none|LSC\d+(\.\d+)?-[A-Z]+-|sha256:|\b[0-9a-f]{32}\b")


def _state(number: int, condition: Any) -> ConditionState:
    return ConditionState(
        id=f"c{number}",
        capability="MOC-MDS",
        key=condition.id,
        kind=condition.kind,
        owner=condition.owner,
        criteria=condition.criteria,
        text=condition.text,
        due=condition.due,
        due_date=None,
        source="carried over" if condition.origin else condition.raised_by,
        created_at=RECEIVED,
        status=Status.OPEN,
        pause=Pause.NOT_ARMED if condition.kind.value == "pause_trigger" else None,
        reports=[],
        next_report_due=None,
        report_overdue=False,
        overdue=False,
        history=[],
        confidential=condition.confidential,
    )


def letter_on(
    ruleset: Ruleset,
    *,
    public: bool = True,
    rationales: dict[str, str] | None = None,
    notes: str | None = None,
    letter_date: date | None = date(2020, 3, 9),
    change: dict[str, Any] | None = None,
) -> LetterText:
    """Compose the letter on MOC MDS with every group accepting as proposed (and rationales where given)."""
    document = json.loads(MDS.read_text())
    if not public:  # the Panel's own letter states the third-party assurance openly: the flag is planted here
        document["security"]["independent_assurance"]["confidential"] = True
    for path, value in (change or {}).items():
        *parents, name = path.split(".")
        holder = document
        for parent in parents:
            holder = holder[int(parent)] if parent.isdigit() else holder[parent]
        holder[name] = value
    pack = parse_pack(json.dumps(document).encode())
    evaluation = evaluate(pack, ruleset, as_at=pack.statement.date)
    assessments = [
        Assessment(
            id=f"a{n}",
            criterion=cell.criterion,
            group=cell.group,
            accepted=True,
            proposed=cell.rating,
            rating=cell.rating,
            override=False,
            assessor="Chair",
            rationale=(rationales or {}).get(cell.criterion),
        )
        for n, cell in enumerate(evaluation.ratings)
        if cell.rating != Rating.INSUFFICIENT_EVIDENCE
    ]
    conditions = [_state(n, c) for n, c in enumerate(evaluation.conditions, 1)]
    submitted = Submitted("s-1", pack.statement.capability, pack.statement.cohort, 1, pack.statement.date, RECEIVED)
    decided = snapshot(
        submitted, pack, evaluation, assessments, conditions, "recommend_with_conditions", date(2020, 3, 6), notes, "e1"
    )
    decision = DecisionView(
        id="d1",
        submission_id="s-1",
        evaluation_id="e1",
        outcome="recommend_with_conditions",
        considered_on=date(2020, 3, 6),
        supersedes=None,
        superseded_by=None,
        actor="panel:Chair",
        recorded_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        snapshot=decided,
    )
    evidence = Evidence(pack, evaluation, ruleset.catalogue.section_owners())
    return compose(decision, load_letterhead(), letter_date=letter_date, evidence=evidence)


def test_the_letter_is_addressed_dated_resolved_signed_and_copied(ruleset: Ruleset) -> None:
    text = markdown(letter_on(ruleset))
    head = text[: text.index("# Live Services Criteria")]
    assert head.startswith("SEC Panel\n\nDuncan Stone\nSmart Metering Implementation Programme\n")
    assert "\n9 March 2020\n\nDear Duncan,\n" in head, "dated as given, not when the decision was recorded"
    assert "December 2026" not in text
    assert "This letter is the Panel's report to the Secretary of State on DCC's readiness" in text
    assert (
        "- I. the Panel agrees with the Sub-Committees' recommendation to accept DCC's statement of readiness." in text
    )
    assert (
        "- II. the Panel agrees that the active and dormant MOC MDS DMCs may be added to the Eligible Product "
        "Combinations List (EPCL) for SMETS1, subject to the conditions set out in this letter and, in relation "
        "to LSC 10, in Annex 1."
    ) in text
    assert "please contact me or SECAS on 020 7090 7755 or at SECAS@gemserv.com." in text
    assert "Yours sincerely,\n\nPeter Davies  \nSEC Panel Chair\n" in text
    assert "Copied to: Panel Members, SEC Parties, DCC, Authority" in text
    assert not RAW.search(text), RAW.search(text)


def test_a_letter_without_a_date_bears_the_day_the_panel_decided(ruleset: Ruleset) -> None:
    text = letter_on(ruleset, letter_date=None)
    assert text.letter_date == date(2020, 3, 6)
    assert text.appendix.letter_date == date(2020, 3, 6)


def test_tags_paragraph_reads_the_test_phases(ruleset: Ruleset) -> None:
    testing = letter_on(ruleset).paragraphs["testing"]
    assert testing.startswith(
        "TAG has reviewed DCC's completion reports for System Integration Testing (completed 24 January 2020), "
        "Migration testing (completed 14 February 2020) and Regression testing (completed 21 February 2020), and "
        "has confirmed that each phase met its entry and exit criteria."
    )
    assert "Every one of the 410 regression tests passed." in testing
    assert "rated Green" not in testing
    assert "no assessment" not in testing


def test_tags_paragraph_names_an_unmet_phase_and_an_exception(ruleset: Ruleset) -> None:
    issue = {
        "id": "TI-1",
        "severity": 4,
        "phase_id": "PH-MIG",
        "user_impact": False,
        "description": "A report field is truncated.",
        "exception": {"accepted_by": "TAG", "accepted_on": "2020-02-20", "rationale": "No user impact."},
        "provenance": {"source": "TAG minutes", "date": "2020-02-20"},
    }
    testing = letter_on(
        ruleset, change={"testing.phases.1.exit_criteria_met": False, "testing.issues": [issue]}
    ).paragraphs["testing"]
    assert "System Integration Testing (completed 24 January 2020) and Regression testing" in testing
    assert "Migration testing did not meet its entry or exit criteria." in testing
    assert (
        "TAG accepted one Severity 4 testing issue in Migration testing as an exception, with no impact on users "
        "(no user impact)." in testing
    )


def test_each_annex_note_gives_the_concern_dccs_response_and_the_groups_view(ruleset: Ruleset) -> None:
    paragraphs = letter_on(ruleset).paragraphs
    assert paragraphs["annex:LSC8/OPSG"] == (
        "After migration, a tariff change could disturb devices with an auxiliary load circuit. DCC set out its "
        "mitigation, due by 31 May 2020: fix delivered in the SMETS1 Uplift 1.1 release; interim operational "
        "workaround. OPSG agreed to accept DCC's statement but assessed this criterion as Amber."
    )
    assert paragraphs["annex:LSC9/OPSG"] == (
        "The published BCDR plan does not yet cover MDS or Telefonica. DCC has undertaken to "
        "publish a revised plan that includes MDS and Telefonica. OPSG agreed to accept DCC's statement but "
        "assessed this criterion as Amber."
    )
    assert paragraphs["annex:LSC10.4/SSC"] == (
        "Independent third-party security assurance of messages to HAN-connected devices is under way, and SSC has "
        "not yet confirmed its results as satisfactory. SSC agreed to accept DCC's statement but assessed this "
        "criterion as Amber. The Panel's recommendation on it is subject to condition 2."
    )
    cio = paragraphs["annex:LSC10.6/SSC"]
    assert "The capability relies on an interim IPsec connection to MDS until a dedicated private MPLS" in cio
    assert "report on the cohort has not yet been made available to SSC." in cio
    assert cio.endswith("The Panel's recommendation on it is subject to conditions 1, 3 and 4.")
    for text in paragraphs.values():
        assert not RAW.search(text), text


def test_a_rationale_that_says_what_a_finding_says_is_not_repeated(ruleset: Ruleset) -> None:
    said = "The published BCDR plan does not cover two required providers, MDS and Telefonica."
    lsc9 = letter_on(ruleset, rationales={"LSC9": said}).paragraphs["annex:LSC9/OPSG"]
    assert lsc9 == said + " OPSG agreed to accept DCC's statement but assessed this criterion as Amber."
    assert "MDS or Telefonica" not in lsc9, "the group's own words stand alone"
    own = "OPSG noted that January was the worst month since the service began."
    lsc6 = letter_on(ruleset, rationales={"LSC6": own}).paragraphs["annex:LSC6/OPSG"]
    assert lsc6 == own + " OPSG agreed to accept DCC's statement but assessed this criterion as Amber."
    assert "3 Category 1 or 2 incidents on other services" not in lsc6, "no provisional reason beside the group's own"
    said = "OPSG accepts DCC's statement but rates LSC 6 Amber: January was the worst month since the service began."
    lsc6 = letter_on(ruleset, rationales={"LSC6": said}).paragraphs["annex:LSC6/OPSG"]
    assert lsc6 == said, "words that already give the group's acceptance and rating are not followed by them again"


def test_only_what_rests_on_confidential_evidence_goes_to_the_appendix(ruleset: Ruleset) -> None:
    """A confidential CIO report withholds its own sentence, not the open concern about interim connectivity."""
    letter = letter_on(ruleset, change={"security.cio_report.confidential": True})
    public = letter.paragraphs["annex:LSC10.6/SSC"]
    assert public.startswith("The capability relies on an interim IPsec connection to MDS until")
    assert "A further concern rests on confidential evidence and is set out in the confidential appendix." in public
    assert "CIO" not in public
    [entry] = [e for e in letter.appendix.entries if e.ref == "LSC10.6/SSC"]
    assert entry.text.startswith("DCC's Competent Independent Organisation (CIO) report on the cohort has not yet")
    assert "interim IPsec" not in entry.text


def test_the_carried_over_condition_names_the_decision_it_comes_from(ruleset: Ruleset) -> None:
    text = letter_on(ruleset)
    assert [c.number for c in text.carried_over] == [2]
    assert text.carried_over[0].origin == "the approval of the first set of entries onto the EPCL (SSC, July 2019)"
    written = markdown(text)
    # One list in the order of the numbers, the carried-over condition in its place and marked so.
    heading = "The conditions, one of them carried over from an earlier decision and still unmet:\n\n**1.** "
    assert heading in written
    first, second = written.index("\n**1.** "), written.index("\n**2.** An independent third party")
    assert first < second < written.index("\n**3.** ")
    assert (
        "carried over from the approval of the first set of entries onto the EPCL (SSC, July 2019) and still unmet.*"
        in written
    )


def test_the_part_held_back_is_its_own_paragraph_in_markdown(ruleset: Ruleset) -> None:
    written = markdown(letter_on(ruleset))
    assert (
        "- MDS electricity meter with gas meter, dormant\n\nDCC did not ask the Panel to consider MDS electricity "
        "and gas, mixed installation at this time. A defect carried over from IOC"
    ) in written


def test_the_moc_mds_letter_states_the_han_assurance_openly_as_the_panels_letter_did(ruleset: Ruleset) -> None:
    text = letter_on(ruleset)
    assert text.appendix.entries == []
    written = markdown(text)
    assert "confidential" not in written
    assert "**2.** An independent third party assures the security of messages to HAN-connected devices" in written
    assert "Independent third-party security assurance of messages to HAN-connected devices is under way" in written


def test_confidential_matter_goes_to_the_appendix_never_inline(ruleset: Ruleset) -> None:
    text = letter_on(ruleset, public=False)
    written = markdown(text)
    assert "confidential:" not in written
    assert "HAN-connected devices" not in written
    assert "the first set of entries onto the EPCL" not in written, "the origin goes with its condition"
    assert "Condition 2 (prerequisite to migration start, owned by SSC) rests on confidential evidence" in written
    assert "A confidential appendix to this letter sets out two matters" in written
    entries = {entry.ref: entry for entry in text.appendix.entries}
    assert set(entries) == {"c2", "LSC10.4/SSC"}
    assert all(entry.owners == [Group.SSC] for entry in entries.values())
    assert "carried over from the approval of the first set of entries onto the EPCL (SSC, July 2019)" in (
        entries["c2"].text
    )
    assert entries["LSC10.4/SSC"].text.startswith("Independent third-party security assurance of messages")


def test_the_panels_notes_become_its_remarks(ruleset: Ruleset) -> None:
    remark = "Particular care is needed with active installations, whose consumers are live"
    assert letter_on(ruleset, notes=remark).paragraphs["remarks"] == remark + "."


@pytest.mark.parametrize(
    ("message", "prose"),
    [
        (
            "SSC has not confirmed it satisfactory; the assurance is reported as reported.",
            "SSC has not confirmed it satisfactory; the assurance has reported.",
        ),
        (
            "SSC has not accepted the CIO report (its status in the pack: submitted); SSC must review it.",
            "SSC has not accepted the CIO report (with SSC, not yet reviewed); SSC must review it.",
        ),
        (
            "1 risk(s) to consumers are accepted (latest due 2020-05-31).",
            "1 risk to consumers is accepted (latest due 31 May 2020).",
        ),
        ("does not cover 2 required provider(s): MDS.", "does not cover 2 required providers: MDS."),
        ("2020-01 had 7 Category 1/2 incidents.", "January 2020 had 7 Category 1 or 2 incidents."),
        (
            "The CIO report status is none; SSC must review it.",
            "The CIO report has not been received; SSC must review it.",
        ),
        ("Assurance has status in_progress.", "Assurance is in progress."),
    ],
)
def test_rule_messages_become_prose(message: str, prose: str) -> None:
    assert plain(message) == prose


def test_a_letterhead_file_is_refused_naming_the_field(tmp_path: Path) -> None:
    good = load_letterhead()
    assert (good.panel, good.chair.name, good.addressee.salutation) == ("SEC Panel", "Peter Davies", "Dear Duncan,")
    own = tmp_path / "letterhead.toml"
    shipped = (Path(__file__).resolve().parent.parent / "lsc_engine/committee/data/letterhead.toml").read_text()
    own.write_text(shipped.replace('name = "Peter Davies"\n', ""))
    with pytest.raises(InvalidLetterhead) as refused:
        load_letterhead(own)
    assert refused.value.details["field"] == "chair.name"
    assert "chair.name: Field required" in refused.value.message
    own.write_text(shipped.replace('telephone = "020 7090 7755"', 'telephone = ""'))
    with pytest.raises(InvalidLetterhead, match=r"contact\.telephone: String should have at least 1 character"):
        load_letterhead(own)
    own.write_text("panel = [")
    with pytest.raises(InvalidLetterhead, match="is not valid TOML"):
        load_letterhead(own)
    with pytest.raises(InvalidLetterhead, match="cannot read the letterhead file"):
        load_letterhead(tmp_path / "missing.toml")


def test_an_evidence_id_that_looks_like_a_month_keeps_its_own_name() -> None:
    said = plain("Category 1 incident INC-2003-01 opened on 2020-03-04; 2020-01 had 7 such incidents.")
    assert said.startswith("Category 1 incident INC-2003-01 opened on 4 March 2020; January 2020 had 7")


@pytest.mark.parametrize(
    ("proposed", "said"),
    [
        (
            Rating.GREEN,
            "OPSG agreed to accept DCC's statement but assessed this criterion as Amber, departing from "
            "the Green the evidence suggested.",
        ),
        (Rating.INSUFFICIENT_EVIDENCE, "OPSG agreed to accept DCC's statement but assessed this criterion as Amber."),
    ],
)
def test_a_departure_is_named_only_from_a_rating_the_evidence_suggested(proposed: Rating, said: str) -> None:
    """Evidence too thin for a proposal suggested no rating, so the group cannot be said to depart from one."""
    stored = Snapshot.model_validate_json((GOLDEN / "decision-snapshot.json").read_text())
    entry = AnnexEntry(
        criterion="LSC6",
        name="Stability",
        rating=Rating.AMBER,
        proposed=proposed,
        decided=Rating.AMBER,
        accepted=True,
        override=True,
        assessor="Chair",
        reason="",
    )
    text, secret = annex_paragraph(entry, Group.OPSG, stored, None)
    assert (text, secret) == (said, None)
