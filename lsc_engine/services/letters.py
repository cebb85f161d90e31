"""The Panel's letters: composed from a recorded decision, drafted, edited, previewed, issued and verified.

Every refusal names the request field at fault in ``details["field"]`` (``letter_date``, ``supersedes``,
``revision``, ``paragraphs``) and the letter or decision in the way.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, date, datetime

from lsc_engine.committee.composition import compose
from lsc_engine.committee.letter import LetterFormat, render, render_appendix
from lsc_engine.committee.letter_text import Evidence, LetterText, corrected, editable, edited
from lsc_engine.committee.letterhead import Letterhead
from lsc_engine.committee.letters import (
    LetterDraftIn,
    LetterEditIn,
    LetterIssueIn,
    LetterMatch,
    LetterState,
    LetterView,
    digest,
    file_name,
)
from lsc_engine.committee.views import DecisionView
from lsc_engine.core.loading import read_stored_pack
from lsc_engine.core.ruleset import Ruleset
from lsc_engine.errors import Conflict, InvalidAction, NotFound
from lsc_engine.store.db import Database
from lsc_engine.store.transactions import Transaction, reading, writing


def _letter(tx: Transaction, letter_id: str) -> LetterView:
    found = tx.letters.get(letter_id)
    if found is None:
        raise NotFound(f"no letter {letter_id}", details={"letter_id": letter_id})
    return found


def _decision(tx: Transaction, decision_id: str) -> DecisionView:
    found = tx.committee.decision(decision_id)
    if found is None:
        raise NotFound(f"no decision {decision_id}", details={"decision_id": decision_id})
    return found


def _dated(decision: DecisionView, letter_date: date | None) -> None:
    """Refuse a letter dated before the Panel considered the evidence it reports on."""
    if letter_date is not None and letter_date < decision.considered_on:
        raise InvalidAction(
            f"a letter cannot be dated {letter_date}, before the Panel considered the evidence on "
            f"{decision.considered_on}",
            details={"field": "letter_date", "letter_date": letter_date.isoformat()},
        )


def _revision(letter: LetterView, revision: int) -> None:
    """Refuse a change to an issued letter, or to a revision of a draft that has been edited since."""
    if letter.state is LetterState.ISSUED:
        raise Conflict(
            "an issued letter does not change; draft a correction that supersedes it",
            details={"field": "revision", "letter_id": letter.id, "state": letter.state.value},
        )
    if revision != letter.revision:
        raise Conflict(
            f"the draft has been edited since revision {revision}; it is now at revision {letter.revision}",
            details={"field": "revision", "letter_id": letter.id, "revision": letter.revision},
        )


def issued_files(text: LetterText) -> dict[str, bytes]:
    """Lay out a letter's files as issued: the letter in every format, and its appendix if it has one."""
    files = {file_name(form): render(text, form) for form in LetterFormat}
    if text.appendix.entries:
        files |= {file_name(form, appendix=True): render_appendix(text.appendix, form) for form in LetterFormat}
    return files


def stored_form(name: str, content: bytes) -> str:
    """Write a file as the record keeps it: text as it is, a PDF in base64."""
    return base64.b64encode(content).decode() if name.endswith(".pdf") else content.decode()


def file_content(name: str, kept: str) -> bytes:
    """Read a file back as the record keeps it."""
    return base64.b64decode(kept) if name.endswith(".pdf") else kept.encode()


def _previous_decision(tx: Transaction, decision: DecisionView) -> tuple[int, date] | None:
    """Return the version and day of the Panel's standing decision on the latest earlier version of the capability."""
    submission = tx.submissions.summary(decision.submission_id)
    if submission is None:
        return None
    for version, ident in reversed(tx.submissions.versions(submission.capability, through=submission.version - 1)):
        found = tx.committee.current_decision(ident)
        if found is not None:
            return version, found.considered_on
    return None


def _drafting(letters: list[LetterView], body: LetterDraftIn) -> LetterView | None:
    """Refuse a second open draft, or a letter that does not correct the issued one; return the issued one, if any."""
    open_draft = next((letter for letter in letters if letter.state is LetterState.DRAFT), None)
    if open_draft is not None:
        raise Conflict(
            "a draft of this letter is already open; edit or issue it",
            details={"field": "decision_id", "letter_id": open_draft.id},
        )
    current = next(
        (letter for letter in letters if letter.state is LetterState.ISSUED and letter.superseded_by is None), None
    )
    if current is not None and body.supersedes != current.id:
        raise Conflict(
            "the letter on this decision has been issued; a correction must supersede it",
            details={"field": "supersedes", "current_letter": current.id, "supersedes": body.supersedes},
        )
    if current is None and body.supersedes is not None:
        raise Conflict(
            "there is no issued letter on this decision to supersede",
            details={"field": "supersedes", "current_letter": None, "supersedes": body.supersedes},
        )
    return current


class Letters:
    """The Panel's letters; every write audited in its own transaction."""

    def __init__(
        self,
        database: Database,
        ruleset: Ruleset,
        letterhead: Letterhead,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.database = database
        self.ruleset = ruleset
        self.letterhead = letterhead
        self._clock = clock or (lambda: datetime.now(UTC))

    def _evidence(self, tx: Transaction, decision: DecisionView) -> Evidence | None:
        """Return what a decision was taken on: its submission's pack and the evaluation it decided on."""
        submission = tx.submissions.get(decision.submission_id)
        stored = tx.submissions.evaluation(decision.evaluation_id)
        if submission is None or stored is None:
            return None
        pack = read_stored_pack(submission.pack)
        return Evidence(pack, stored.evaluation, self.ruleset.catalogue.section_owners())

    def _compose(
        self, tx: Transaction, decision: DecisionView, letter_date: date | None, previous: tuple[int, date] | None
    ) -> LetterText:
        evidence = self._evidence(tx, decision)
        return compose(decision, self.letterhead, letter_date=letter_date, evidence=evidence, previous=previous)

    # -- reading -----------------------------------------------------------------------------------

    def compose(self, decision_id: str, letter_date: date | None = None) -> LetterText:
        """Compose the letter a decision gives, as it would be drafted (nothing is recorded)."""
        with reading(self.database) as tx:
            decision = _decision(tx, decision_id)
            _dated(decision, letter_date)
            return self._compose(tx, decision, letter_date, _previous_decision(tx, decision))

    def letter(self, letter_id: str) -> LetterView:
        """Return a letter at its latest revision."""
        with reading(self.database) as tx:
            return _letter(tx, letter_id)

    def letters(self, decision_id: str) -> list[LetterView]:
        """Return the letters on a decision, oldest first."""
        with reading(self.database) as tx:
            _decision(tx, decision_id)
            return tx.letters.of_decision(decision_id)

    def issued_file(self, letter_id: str, name: str) -> bytes | None:
        """Return one file of an issued letter exactly as issued, or None for a draft."""
        with reading(self.database) as tx:
            _letter(tx, letter_id)
            kept = tx.letters.documents(letter_id).get(name)
        return None if kept is None else file_content(name, kept)

    def verify(self, content: bytes) -> list[LetterMatch]:
        """Say which issued letter a file is (by the digest recorded when it was issued), if any."""
        with reading(self.database) as tx:
            found = tx.letters.issued_with(digest(content))
        return [
            LetterMatch(
                letter_id=view.id,
                decision_id=view.decision_id,
                file=name,
                letter_date=view.letter_date,
                issued_at=view.recorded_at,
                superseded_by=view.superseded_by,
            )
            for view, name in found
        ]

    # -- writing -----------------------------------------------------------------------------------

    def draft(self, decision_id: str, body: LetterDraftIn, *, actor: str) -> LetterView:
        """Start a draft of the letter on a decision; a second letter must correct the issued one.

        The letter is composed before the audit chain's head is locked: reading a large pack takes seconds, and every
        other write would wait for it. Under the head the draft is checked again, and composed again only if the
        Panel's earlier decision it names has changed meanwhile (the decision, its pack and evaluation do not).
        """
        with reading(self.database) as tx:
            decision = _decision(tx, decision_id)
            _dated(decision, body.letter_date)
            _drafting(tx.letters.of_decision(decision_id), body)
            previous = _previous_decision(tx, decision)
            text = self._compose(tx, decision, body.letter_date, previous)
        with writing(self.database) as tx:
            decision = _decision(tx, decision_id)
            current = _drafting(tx.letters.of_decision(decision_id), body)
            if (now := _previous_decision(tx, decision)) != previous:
                text = self._compose(tx, decision, body.letter_date, now)
            if current is not None:
                text = corrected(text, current.text, dated=body.letter_date)
            return tx.letters.add(
                letter_id=None,
                revision=1,
                decision_id=decision.id,
                submission_id=decision.submission_id,
                state=LetterState.DRAFT,
                letter_date=text.letter_date,
                supersedes=body.supersedes,
                text=text,
                documents=None,
                digests=None,
                actor=actor,
                at=self._clock(),
            )

    def edit(self, letter_id: str, body: LetterEditIn, *, actor: str) -> LetterView:
        """Edit a draft's date and narrative paragraphs, as a new revision."""
        with writing(self.database) as tx:
            letter = _letter(tx, letter_id)
            _revision(letter, body.revision)
            _dated(_decision(tx, letter.decision_id), body.letter_date)
            known = editable(letter.text)
            unknown = [p.key for p in body.paragraphs if p.key not in known]
            if unknown:
                raise InvalidAction(
                    f"the letter has no paragraph {', '.join(unknown)} to edit; it has {', '.join(known)}",
                    details={"field": "paragraphs", "unknown": unknown},
                )
            text = edited(letter.text, {p.key: p.text for p in body.paragraphs}, body.letter_date)
            return tx.letters.add(
                letter_id=letter.id,
                revision=letter.revision + 1,
                decision_id=letter.decision_id,
                submission_id=letter.submission_id,
                state=LetterState.DRAFT,
                letter_date=text.letter_date,
                supersedes=letter.supersedes,
                text=text,
                documents=None,
                digests=None,
                actor=actor,
                at=self._clock(),
            )

    def issue(self, letter_id: str, body: LetterIssueIn, *, actor: str) -> LetterView:
        """Issue a draft: lay out its files, keep them and record their digests; it never changes again."""
        letter = self.letter(letter_id)
        _revision(letter, body.revision)
        files = issued_files(letter.text)  # laid out before the audit chain's head is locked
        with writing(self.database) as tx:
            current = _letter(tx, letter_id)
            _revision(current, body.revision)
            if current.supersedes is not None:
                corrected = _letter(tx, current.supersedes)
                if corrected.superseded_by is not None:
                    raise Conflict(
                        "the letter this draft corrects has already been superseded",
                        details={"field": "supersedes", "superseded_by": corrected.superseded_by},
                    )
            return tx.letters.add(
                letter_id=current.id,
                revision=current.revision + 1,
                decision_id=current.decision_id,
                submission_id=current.submission_id,
                state=LetterState.ISSUED,
                letter_date=current.letter_date,
                supersedes=current.supersedes,
                text=current.text,
                documents={name: stored_form(name, content) for name, content in files.items()},
                digests={name: digest(content) for name, content in files.items()},
                actor=actor,
                at=self._clock(),
            )
