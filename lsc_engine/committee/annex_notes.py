"""Annex 1's notes in the committee's voice: the concern, DCC's response or mitigation, the group's view.

Where the group gave its own reasons, they stand alone; otherwise a note is composed from the facts of the
evidence its findings cite. What rests on confidential evidence goes to the confidential appendix, and the
letter keeps the rest with the group's verdict.
"""

from __future__ import annotations

from collections.abc import Mapping

from lsc_engine.committee.letter_text import RATING_WORDS, AppendixEntry, Evidence, listed
from lsc_engine.committee.plain import counted, lower_first, number_words, plain, sentence_case, sentences
from lsc_engine.committee.snapshot import AnnexEntry, AttachedCondition, ResidualView, Snapshot
from lsc_engine.core.evaluation import RESIDUAL_RISKS, Finding
from lsc_engine.core.evidence import Group, Item
from lsc_engine.core.evidence.bcdr import BcdrPlan
from lsc_engine.core.evidence.consumers import ConsumerRisk
from lsc_engine.core.evidence.security import CioReport, CioStatus, Connectivity, IndependentAssurance
from lsc_engine.core.rating import Rating
from lsc_engine.core.words import PROVISIONAL_TAG, day_words, tagged


def _rationale(entry: AnnexEntry, evidence: Evidence | None, group: Group) -> str:
    """Return the group's own words from a note: its reason without the findings the snapshot joined to it."""
    if entry.override or evidence is None:
        return entry.reason if entry.override else ""
    reason = " ".join(entry.reason.replace(PROVISIONAL_TAG, "").split())
    # The snapshot joined each finding to the group's words; take each out wherever it stands, whatever the order.
    for finding in evidence.findings(entry.criterion, group):
        message = " ".join(finding.message.replace(PROVISIONAL_TAG, "").split())
        if message:
            reason = reason.replace(message, " ")
    return " ".join(reason.split())


def _mitigation(risk: ConsumerRisk) -> str:
    """Say DCC's mitigation of a consumer risk in a sentence of the letter's own."""
    due = f", due by {day_words(risk.mitigation_due)}" if risk.mitigation_due else ""
    return sentence_case(f"DCC set out its mitigation{due}: {lower_first((risk.mitigation or '').rstrip('.'))}")


def _concerns(
    finding: Finding, items: Mapping[str, tuple[str, Item]], required: list[str]
) -> tuple[list[str], list[str]]:
    """Say a finding as the concern it raises and DCC's response to it, from the evidence it cites."""
    concerns: list[str] = []
    responses: list[str] = []
    cited = [items[ident][1] for ident in finding.evidence if ident in items]
    for item in cited:
        if isinstance(item, ConsumerRisk) and not item.mitigated:
            concerns.append(sentence_case(item.description))
            if item.mitigation:
                responses.append(_mitigation(item))
        elif isinstance(item, BcdrPlan) and finding.rule_id.endswith("providers-uncovered"):
            covered = set(item.covers_providers)  # a set: a plan may list thousands
            missing = [provider for provider in required if provider not in covered]
            if missing:
                concerns.append(f"The published BCDR plan does not yet cover {listed(missing, 'or')}.")
        elif isinstance(item, BcdrPlan):
            if not item.published:
                concerns.append("DCC's business continuity and disaster recovery plan is not yet published.")
            if item.pending_revision:
                responses.append(f"DCC has undertaken to publish {lower_first(item.pending_revision.rstrip('.'))}.")
        elif isinstance(item, IndependentAssurance):
            scope = f" of {lower_first(item.scope.rstrip('.'))}" if item.scope else ""
            state = {
                "none": "has not yet started",
                "in_progress": "is under way",
                "reported": "has reported",
                "confirmed": "is confirmed",
            }[item.status.value]
            concerns.append(
                f"Independent third-party security assurance{scope} {state}, and SSC has not yet confirmed "
                "its results as satisfactory."
            )
        elif isinstance(item, CioReport):
            concerns.append(
                {
                    CioStatus.NONE: "DCC's Competent Independent Organisation (CIO) report on the cohort has not "
                    "yet been made available to SSC.",
                    CioStatus.SUBMITTED: "DCC's Competent Independent Organisation (CIO) report on the cohort "
                    "has been made available to SSC, which has yet to review it.",
                    CioStatus.REVIEWED: "SSC has reviewed DCC's Competent Independent Organisation (CIO) report "
                    "on the cohort but has not yet accepted it.",
                    CioStatus.ACCEPTED: "SSC has accepted DCC's Competent Independent Organisation (CIO) report.",
                }[item.status]
            )
        elif isinstance(item, Connectivity) and item.arrangement.value == "interim":
            target = f" until {lower_first(item.target_description)} is in place" if item.target_description else ""
            concerns.append(f"The capability relies on {lower_first(item.description)}{target}.")
    if not concerns and not any(isinstance(i, BcdrPlan) for i in cited):
        concerns = [sentence_case(plain(part)) for part in sentences(finding.message)]
        if concerns and finding.provisional:  # a rule of this ruleset's own model says so, as every output marks
            concerns[-1] = tagged(concerns[-1], True)
    return concerns, responses


def _verdict(entry: AnnexEntry, group: Group, *, departed: bool = True) -> str:
    """Say whether the group accepted DCC's statement and how it rated the criterion.

    ``departed``: whether to say the group departed from what the evidence suggested, which a letter says only
    when the evidence suggested a rating on the Panel's own criteria.
    """
    rating = RATING_WORDS[entry.rating]
    suggested = departed and entry.override and entry.proposed != Rating.INSUFFICIENT_EVIDENCE
    departure = f", departing from the {RATING_WORDS[entry.proposed]} the evidence suggested" if suggested else ""
    if entry.accepted is None:
        return f"{group.value} has not recorded its own assessment; the evidence suggests a rating of {rating}."
    if entry.rating == Rating.INSUFFICIENT_EVIDENCE:
        found = "found the evidence insufficient to rate this criterion"
        if entry.accepted:
            return f"{group.value} accepted DCC's statement but {found}{departure}."
        return f"{group.value} did not accept DCC's statement and {found}{departure}."
    if entry.accepted:
        return f"{group.value} agreed to accept DCC's statement but assessed this criterion as {rating}{departure}."
    return f"{group.value} did not accept DCC's statement and assessed this criterion as {rating}{departure}."


def _says_verdict(own: str, entry: AnnexEntry) -> bool:
    """Tell whether the group's own words already say that it accepted and how it rated the criterion."""
    text = own.lower()
    return "accept" in text and RATING_WORDS[entry.rating].lower() in text


def _subject_to(conditions: list[AttachedCondition], criterion: str) -> str:
    numbers = [c.number for c in conditions if criterion in c.criteria]
    if not numbers:
        return ""
    noun = "condition" if len(numbers) == 1 else "conditions"
    return f"The Panel's recommendation on it is subject to {noun} {listed([str(n) for n in numbers])}."


def _composed(findings: list[Finding], evidence: Evidence) -> list[str]:
    """Say what findings raise and DCC's response to them, each once, from the evidence they cite."""
    items = evidence.items()
    required = evidence.pack.bcdr.required_providers if evidence.pack.bcdr is not None else []
    concerns: list[str] = []
    responses: list[str] = []
    # What earlier findings said, as sets: searching the sentences kept took time growing with the square of their
    # number, for findings that list names. A finding's own words are kept as it says them, repeats and all.
    said_before: set[str] = set()
    answered_before: set[str] = set()
    for finding in findings:
        said, answered = _concerns(finding, items, required)
        new_concerns = [s for s in said if s not in said_before]
        new_responses = [s for s in answered if s not in answered_before]
        concerns += new_concerns
        responses += new_responses
        said_before.update(new_concerns)
        answered_before.update(new_responses)
    return [*concerns, *responses]


def annex_paragraph(
    entry: AnnexEntry, group: Group, snapshot: Snapshot, evidence: Evidence | None
) -> tuple[str, str | None]:
    """Write a note in the committee's voice: the concern, DCC's response, the group's acceptance and rating.

    Where the group gave its own reasons, they stand alone: the engine's findings would only say them again.
    Otherwise the note is composed from the findings' evidence. Return the paragraph for the letter, and what
    the confidential appendix holds when part of the note rests on confidential evidence (the letter then
    keeps what rests on open evidence and points to the appendix for the rest).
    """
    rationale = _rationale(entry, evidence, group)
    own = [sentence_case(part) for part in sentences(rationale)]
    findings = evidence.findings(entry.criterion, group) if evidence is not None else []
    # The group departed from a suggestion only when the Panel's own rules made it, not this ruleset's own.
    departed = not findings or not all(f.provisional for f in findings)
    verdict = "" if own and _says_verdict(rationale, entry) else _verdict(entry, group, departed=departed)
    subject = _subject_to(snapshot.conditions, entry.criterion)
    if own:
        open_part: list[str] = []
        secret_part = own
    elif evidence is not None and not entry.override:
        open_part = _composed([f for f in findings if not f.confidential], evidence)
        secret_part = _composed([f for f in findings if f.confidential], evidence)
    else:  # no evidence to split by finding: the recorded reason is all one, confidential if any of it is
        open_part, secret_part = [], [sentence_case(plain(part)) for part in sentences(entry.reason)]
    if not entry.confidential:
        return " ".join(part for part in [*open_part, *secret_part, verdict, subject] if part), None
    pointer = (
        f"{'A further concern' if open_part else 'The concern behind this rating'} rests on confidential evidence "
        "and is set out in the confidential appendix."
    )
    public = " ".join(part for part in [*open_part, verdict, pointer, subject] if part)
    return public, " ".join(part for part in [*secret_part, verdict] if part)


def residual_paragraph(views: list[ResidualView], snapshot: Snapshot) -> tuple[str, list[AppendixEntry]]:
    """Say what DCC set out about its residual risks, and how each group assessed them."""
    risks = snapshot.residual_risks
    if not risks:
        opening = "DCC set out no residual risks in its statement."
    else:
        levels = sorted({risk.likelihood.value for risk in risks})
        mitigated = sum(1 for risk in risks if risk.mitigation)
        likely = (
            f"assessed {'it' if len(risks) == 1 else 'all of them'} as of {levels[0]} likelihood"
            if len(levels) == 1
            else f"assessed their likelihood as {listed(levels)}"
        )
        given = (
            ("provided a mitigation for it" if len(risks) == 1 else "provided a mitigation for each")
            if mitigated == len(risks)
            else f"provided a mitigation for {number_words(mitigated)} of them"
        )
        opening = f"DCC set out {counted(len(risks), 'residual risk')} in its statement, {likely}, and {given}."
    parts = [opening]
    supporting = [v.group.value for v in views if v.accepted and not v.subject_to and v.rating == Rating.GREEN]
    if supporting and risks:
        verbs = ("supports", "accepts") if len(supporting) == 1 else ("support", "accept")
        parts.append(f"{listed(supporting)} {verbs[0]} these assessments and {verbs[1]} the mitigations.")
    elif supporting:
        parts.append(f"{listed(supporting)} {'accepts' if len(supporting) == 1 else 'accept'} DCC's statement on them.")
    for view in views:
        if view.accepted and not view.subject_to and view.rating != Rating.GREEN:
            rated = RATING_WORDS[view.rating]
            parts.append(f"{view.group.value} accepted DCC's statement on them but rated them {rated}.")
    for view in views:
        if view.accepted and view.subject_to:
            numbers = listed([str(n) for n in view.subject_to])
            noun = "condition" if len(view.subject_to) == 1 else "conditions"
            parts.append(f"{view.group.value} accepts DCC's statement of readiness, subject to {noun} {numbers}.")
    silent = [v for v in views if v.accepted is None]
    if silent:
        names = listed([v.group.value for v in silent])
        one = len(silent) == 1
        suggested = sorted({RATING_WORDS[v.rating] for v in silent if v.rating != Rating.GREEN})
        parts.append(
            f"{names} {'has' if one else 'have'} not yet recorded {'its' if one else 'their'} assessment of the "
            "residual risks" + (f"; the evidence suggests {' or '.join(suggested)}." if suggested else ".")
        )
    appendix: list[AppendixEntry] = []
    # Groups' reasons that differ only by the group they name are said once, for every group they concern.
    alike: dict[str, list[str]] = {}
    for view in views:
        reason = view.reason.strip()
        said = ""
        if view.accepted is False:
            rating = RATING_WORDS[view.rating]
            said = f"{view.group.value} did not accept DCC's assessment of the residual risks and rated them {rating}."
        if reason and view.confidential and (view.accepted is False or view.rating != Rating.GREEN):
            appendix.append(
                AppendixEntry(
                    ref=f"{RESIDUAL_RISKS}/{view.group.value}",
                    heading=f"Residual risks: {view.group.value}",
                    text=sentence_case(plain(reason)),
                    owners=[view.group],
                )
            )
            said += f" {view.group.value}'s reasons on them are set out in the confidential appendix."
        elif reason and view.rating != Rating.GREEN:
            shared = reason.replace(view.group.value, "{group}")
            if shared not in alike:
                said += " " + shared  # said where the first group it concerns stands, once all are known
            alike.setdefault(shared, []).append(view.group.value)
        if said.strip():
            parts.append(said.strip())
    text = " ".join(parts)
    for shared, groups in alike.items():
        written = " ".join(sentence_case(plain(s)) for s in sentences(shared.replace("{group}", listed(groups))))
        text = text.replace(shared, written, 1)
    return text, appendix
