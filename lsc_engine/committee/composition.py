"""The letter's text, composed from a recorded decision and the evidence it was taken on.

``compose`` writes every part of the Panel's letter as sentences: the opening, the scope, the conditions (the
carried-over ones with the decision they come from), the Panel's resolutions, and Annex 1 with TAG's paragraph
on the test phases (``testing_paragraph``) and a note per criterion not rated Green in the committee's voice
(``annex_notes``). Each confidential matter goes to the confidential appendix; the letter says only that it is
there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from lsc_engine.committee.annex_notes import annex_paragraph, residual_paragraph
from lsc_engine.committee.letter_text import (
    GROUP_NAMES,
    ROMAN,
    AnnexGroup,
    AnnexNote,
    AppendixEntry,
    ConditionLine,
    ConfidentialAppendix,
    Evidence,
    LetterText,
    criterion_words,
    listed,
)
from lsc_engine.committee.letterhead import Letterhead
from lsc_engine.committee.plain import counted, plain, sentence_case
from lsc_engine.committee.snapshot import AttachedCondition, Cited, Snapshot
from lsc_engine.committee.testing_paragraph import testing_paragraph
from lsc_engine.committee.views import DecisionView
from lsc_engine.core.evidence import Defect, DefectStatus
from lsc_engine.core.words import KIND_LABELS, PROVISIONAL_LEGEND, PROVISIONAL_TAG, day_words


def _dmc_words(name: str, installation_type: str) -> str:
    """Name a DMC with its installation type, unless its name already says it."""
    return name if installation_type in name.lower() else f"{name} ({installation_type})"


def _condition_line(condition: AttachedCondition) -> ConditionLine:
    return ConditionLine(
        number=condition.number,
        kind=KIND_LABELS[condition.kind.value],
        owner=condition.owner,
        text=sentence_case(plain(condition.text)),
        due=condition.due,
        origin=condition.origin,
        # Only a condition an earlier decision set is carried over in the letter's sense; one the rules raised on
        # an earlier version of this capability's evidence, and still open, is this decision's own.
        carried_over=condition.origin is not None,
    )


def _defects(evidence: Evidence | None) -> dict[str, Defect]:
    """Return the pack's defects by id (the first of an id), for the held-back parts to cite."""
    testing = evidence.pack.testing if evidence is not None else None
    found: dict[str, Defect] = {}
    for defect in (testing.defects or []) if testing is not None else []:
        found.setdefault(defect.id, defect)
    return found


def _cited(cited: Cited, defects: Mapping[str, Defect]) -> str:
    """Say an item of evidence behind a held-back part as the letter would: a defect by its record."""
    defect = defects.get(cited.id)
    if defect is None:
        return sentence_case(cited.text)
    is_open = defect.status == DefectStatus.OPEN
    due = f", with its fix due by {day_words(defect.fix_due)}" if defect.fix_due and is_open else ""
    recorded = f"The {defect.provenance.source} of {day_words(defect.provenance.date)} records it"
    return f"{recorded} as {'an open' if is_open else 'a closed'} Severity {defect.severity} defect{due}."


def _numeric(number: str) -> tuple[int, str]:
    """Order criterion numbers as numbers where they are: 6, 8, 9, 10."""
    return (int(number), "") if number.isdigit() else (10**6, number)


def capability_words(capability: str, cohort: str = "") -> str:
    """Name a capability as the Panel's letters do: "MOC MDS", not "MOC-MDS"; spelt as its cohort spells it."""
    words = capability.replace("-", " ").replace("_", " ")
    found = re.search(re.escape(words), cohort, re.IGNORECASE)
    return found.group(0) if found else words


def _named(cohort: str, named: str) -> str:
    """Give the capability's name after its cohort, unless the cohort names it; in brackets unless it has some."""
    if named.lower() in cohort.lower():
        return ""
    return f", the {named} cohort" if cohort.rstrip().endswith(")") else f" ({named})"


def _mid_sentence(text: str) -> str:
    """Lower a capital that only starts a sentence ("Active and dormant ..."), never an acronym ("SMETS1 ...")."""
    return text[:1].lower() + text[1:] if text[:2].istitle() else text


def _dmc_description(snapshot: Snapshot) -> str:
    types = sorted({dmc.installation_type.value for dmc in snapshot.dmcs})
    kinds = f"{listed(types)} " if types else ""
    return f"the {kinds}{capability_words(snapshot.capability, snapshot.cohort)} DMCs"


def _in_relation(snapshot: Snapshot) -> str:
    """Name the criteria the attached conditions concern, as the Panel's letters do: ", in relation to LSC 10,"."""
    criteria = {c.split(".")[0] for condition in snapshot.conditions for c in condition.criteria}
    named = [criterion_words(c) for c in sorted(criteria, key=lambda c: _numeric(c.removeprefix("LSC")))]
    return f", in relation to {listed(named)}," if named else ""


def _resolutions(snapshot: Snapshot, outcome: str, service: str | None) -> list[str]:
    accepted = [g.value for g, a in snapshot.accepted_by.items() if a == "accepted"]
    refused = [g.value for g, a in snapshot.accepted_by.items() if a == "not accepted"]
    if outcome == "do_not_recommend":
        first = "the Panel does not accept DCC's statement of readiness at this time."
    elif accepted and not refused:
        whose = "the Sub-Committees'" if len(accepted) > 1 else f"{accepted[0]}'s"
        first = f"the Panel agrees with {whose} recommendation to accept DCC's statement of readiness."
    elif refused:
        first = (
            f"the Panel accepts DCC's statement of readiness, having noted that {listed(refused)} did not accept "
            "it for every criterion in its remit."
        )
    else:
        first = "the Panel accepts DCC's statement of readiness."
    epcl = "the Eligible Product Combinations List (EPCL)" + (f" for {service}" if service else "")
    dmcs = _dmc_description(snapshot)
    second = {
        "recommend": f"the Panel agrees that {dmcs} may be added to {epcl}.",
        "recommend_with_conditions": (
            f"the Panel agrees that {dmcs} may be added to {epcl}, subject to the conditions set out in this "
            f"letter and{_in_relation(snapshot)} in Annex 1."
        ),
        "do_not_recommend": f"the Panel does not agree that {dmcs} may be added to {epcl} at this time.",
    }[outcome]
    return [first, second]


def _determination(snapshot: Snapshot, outcome: str) -> str:
    heard = [g.value for g, a in snapshot.accepted_by.items() if a != "not recorded"]
    having = f"Having heard the views of {listed(heard)}" if heard else "Having considered DCC's evidence"
    if outcome == "do_not_recommend":
        return (
            f"{having}, the Panel is not yet satisfied that DCC's evidence shows it is ready "
            "to migrate and operate these DMCs; Annex 1 sets out the criteria that stand in the way."
        )
    subject = ", subject to the conditions below" if outcome == "recommend_with_conditions" else ""
    return (
        f"{having}, the Panel is satisfied that DCC's evidence shows that testing has "
        f"completed and that DCC is ready to migrate and operate these DMCs{subject}."
    )


def compose(
    decision: DecisionView,
    letterhead: Letterhead,
    *,
    letter_date: date | None = None,
    evidence: Evidence | None = None,
    previous: tuple[int, date] | None = None,
) -> LetterText:
    """Compose the Panel's letter on a decision; dated ``letter_date`` (by default the day the Panel decided)."""
    snapshot = decision.snapshot
    dated = letter_date or decision.considered_on
    service = evidence.pack.statement.service.value if evidence is not None else None
    appendix: list[AppendixEntry] = []
    named = capability_words(snapshot.capability, snapshot.cohort)
    subject = f"Live Services Criteria: {named} joining the Eligible Product Combinations List"
    as_at = f", as it stood on {day_words(snapshot.as_at)}" if snapshot.as_at != snapshot.statement_date else ""
    # A statement dated the day the Panel met needs no second date.
    stated = f" of {day_words(snapshot.statement_date)}" if snapshot.statement_date != snapshot.considered_on else ""
    opening = (
        f"On {day_words(snapshot.considered_on)} the Panel considered the evidence DCC submitted with its statement "
        f"of readiness{stated}{as_at}, on its readiness to migrate and operate "
        f"{_mid_sentence(snapshot.cohort)}{_named(snapshot.cohort, named)}. The evidence covered the following "
        "Device Model Combinations (DMCs):"
    )
    if previous is not None:
        opening = (
            f"{opening.removesuffix(' The evidence covered the following Device Model Combinations (DMCs):')} "
            f"The Panel last decided on this capability on {day_words(previous[1])}, on version {previous[0]} of "
            "DCC's evidence; the conditions it set then that are still open are set out again below. The evidence "
            "now covers the following Device Model Combinations (DMCs):"
        )
    dmcs = [_dmc_words(dmc.name, dmc.installation_type.value) for dmc in snapshot.dmcs if not dmc.confidential]
    secret_dmcs = [dmc for dmc in snapshot.dmcs if dmc.confidential]
    for dmc in secret_dmcs:
        owners = sorted(evidence.section_owners.get("scope.dmcs", frozenset()) if evidence else [])
        appendix.append(
            AppendixEntry(
                ref=dmc.id,
                heading="A Device Model Combination covered",
                text=_dmc_words(dmc.name, dmc.installation_type.value) + ".",
                owners=owners,
            )
        )
    held_back = []
    defects = _defects(evidence) if snapshot.held_back else {}
    for held in snapshot.held_back:
        what = listed(held.dmcs) if held.dmcs else f"{held.installation_type or 'some'} installations"
        # The first item is DCC's own word that the part is held back, which the sentence already says.
        because = " ".join(
            [sentence_case(held.reason), *(_cited(c, defects) for c in held.evidence[1:] if not c.confidential)]
        )
        if held.confidential:
            owners = sorted(evidence.section_owners.get("scope.exclusions", frozenset()) if evidence else [])
            appendix.append(
                AppendixEntry(
                    ref="held_back", heading="Part of the cohort held back", text=f"{what}: {because}", owners=owners
                )
            )
            held_back.append(
                "DCC did not ask the Panel to consider part of the cohort at this time, for reasons set out in the "
                "confidential appendix."
            )
        else:
            held_back.append(f"DCC did not ask the Panel to consider {what} at this time. {because}")
        for cited_item in held.evidence:
            if cited_item.confidential:
                owners = sorted(evidence.section_owners.get(cited_item.section, frozenset()) if evidence else [])
                appendix.append(
                    AppendixEntry(
                        ref=cited_item.id,
                        heading="Evidence on the part held back",
                        text=sentence_case(cited_item.text),
                        owners=owners,
                    )
                )
    public_conditions = [c for c in snapshot.conditions if not c.confidential]
    carried = [_condition_line(c) for c in public_conditions if c.origin]
    own = [_condition_line(c) for c in public_conditions if not c.origin]
    in_appendix = []
    for condition in snapshot.conditions:
        if condition.confidential:
            line = _condition_line(condition)
            origin = f" It is carried over from {line.origin}." if line.origin else ""
            appendix.append(
                AppendixEntry(
                    ref=condition.id,
                    heading=f"Condition {condition.number}: {line.kind}",
                    text=f"{line.text} Owner {line.owner.value}; due {line.due}.{origin}",
                    owners=[condition.owner],
                )
            )
            in_appendix.append(
                f"Condition {condition.number} ({line.kind.lower()}, owned by {condition.owner.value}) rests on "
                "confidential evidence and is set out in the confidential appendix."
            )
    go_live = [c for c in public_conditions if c.kind.value == "prerequisite_go_live"]
    go_live_note = None
    if go_live and decision.outcome != "do_not_recommend":
        numbers = listed([str(c.number) for c in go_live])
        noun = "condition" if len(go_live) == 1 else "conditions"
        go_live_note = (
            f"The Panel regards {noun} {numbers} as a prerequisite to go-live: its recommendation holds only once "
            f"{'it is' if len(go_live) == 1 else 'they are'} met and no Sub-Committee has revoked its recommendation."
        )
    paragraphs = {
        "opening": opening,
        "determination": _determination(snapshot, decision.outcome),
        "remarks": sentence_case(snapshot.notes or ""),
        "residual": "",
    }
    testing, testing_appendix = testing_paragraph(snapshot, evidence)
    paragraphs["testing"] = testing
    appendix += testing_appendix
    annex: list[AnnexGroup] = []
    provisional = False
    for group, entries in snapshot.annex.items():
        notes = []
        for entry in entries:
            key = f"annex:{entry.criterion}/{group.value}"
            text, secret = annex_paragraph(entry, group, snapshot, evidence)
            paragraphs[key] = text
            provisional = provisional or entry.provisional
            heading = f"{criterion_words(entry.criterion)} - {entry.name}"
            notes.append(
                AnnexNote(
                    key=key, heading=heading + (f" {PROVISIONAL_TAG}" if entry.provisional else ""), rating=entry.rating
                )
            )
            if secret is not None:
                appendix.append(
                    AppendixEntry(
                        ref=f"{entry.criterion}/{group.value}",
                        heading=f"{heading} ({group.value})",
                        text=secret,
                        owners=[group],
                    )
                )
        if notes:
            annex.append(AnnexGroup(group=group, name=GROUP_NAMES[group], notes=notes))
    if snapshot.residual_assessments is not None:
        residual, residual_appendix = residual_paragraph(snapshot.residual_assessments, snapshot)
        paragraphs["residual"] = residual
        appendix += residual_appendix
    accepting = [g.value for g, a in snapshot.accepted_by.items() if a == "accepted"]
    # The criteria noted, as the Panel's letters name them: "Live Services Criteria 6, 8, 9 and 10".
    noted = list(
        dict.fromkeys(e.criterion.removeprefix("LSC").split(".")[0] for es in snapshot.annex.values() for e in es)
    )
    against = (
        f"the following noted against Live Services {'Criterion' if len(noted) == 1 else 'Criteria'} "
        f"{listed(sorted(noted, key=_numeric))}"
        if annex
        else "nothing further noted on the criteria not rated Green"
    )
    annex_intro = (
        "TAG, OPSG and SSC each reviewed DCC's submission against the Live Services Criteria in their remit. "
        + (
            f"{listed(accepting)} accepted DCC's statement of readiness, with {against}."
            if accepting
            else f"They recorded {against}."
        )
    )
    contact = letterhead.contact
    distribution = letterhead.copies.appendix_to
    return LetterText(
        decision_id=decision.id,
        submission_id=decision.submission_id,
        letterhead=letterhead,
        letter_date=dated,
        subject=subject,
        paragraphs=paragraphs,
        dmcs=dmcs,
        dmcs_in_appendix=len(secret_dmcs),
        held_back=held_back,
        carried_over=carried,
        conditions=own,
        conditions_in_appendix=in_appendix,
        go_live_note=go_live_note,
        report=(
            "This letter is the Panel's report to the Secretary of State on DCC's readiness to provide the services "
            "concerned. Annex 1 sets out the Panel's considerations in more detail."
        ),
        resolutions=[f"{ROMAN[i]}. {text}" for i, text in enumerate(_resolutions(snapshot, decision.outcome, service))],
        contact=(
            f"If you would like to discuss this letter, please contact me or {contact.secretariat} on "
            f"{contact.telephone} or at {contact.email}."
        ),
        annex_intro=annex_intro,
        annex=annex,
        # Said once, when a note names a provisional criterion or gives a provisional rule's reason.
        provisional_legend=PROVISIONAL_LEGEND
        if provisional or any(PROVISIONAL_TAG in text for text in paragraphs.values())
        else None,
        appendix_note=(
            f"A confidential appendix to this letter sets out {counted(len(appendix), 'matter')} that "
            f"{'rests' if len(appendix) == 1 else 'rest'} on confidential evidence; it goes separately to those "
            "entitled to see it."
            if appendix
            else None
        ),
        appendix=ConfidentialAppendix(
            title="Confidential appendix",
            letter_date=dated,
            subject=subject,
            panel=letterhead.panel,
            distribution=distribution,
            entries=appendix,
        ),
    )
