"""The Panel's letters: every revision of a draft, and each letter as issued with its files and their digests."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlmodel import col, select

from lsc_engine.committee.letter_text import LetterText, editable
from lsc_engine.committee.letters import LetterState, LetterView
from lsc_engine.store.audit import Draft
from lsc_engine.store.models import LetterRecord
from lsc_engine.store.repositories.base import Repository, new_id


def _view(record: LetterRecord, *, superseded_by: str | None) -> LetterView:
    text = LetterText.model_validate_json(record.content)
    return LetterView(
        id=record.letter_id,
        revision=record.revision,
        decision_id=record.decision_id,
        submission_id=record.submission_id,
        state=LetterState(record.state),
        letter_date=record.letter_date,
        supersedes=record.supersedes,
        superseded_by=superseded_by,
        actor=record.actor,
        recorded_at=record.recorded_at,
        digests=json.loads(record.digests) if record.digests else {},
        editable=editable(text) if record.state == LetterState.DRAFT else {},
        text=text,
    )


class Letters(Repository):
    """Letters by id, by decision, and by the digests of their issued files."""

    def _latest(self, letter_id: str) -> LetterRecord | None:
        query = (
            select(LetterRecord)
            .where(LetterRecord.letter_id == letter_id)
            .order_by(col(LetterRecord.revision).desc())
            .limit(1)
        )
        return self._session.exec(query).first()

    def _superseded_by(self, letter_id: str) -> str | None:
        query = select(LetterRecord.letter_id).where(
            LetterRecord.supersedes == letter_id, LetterRecord.state == LetterState.ISSUED.value
        )
        return self._session.exec(query).first()

    def get(self, letter_id: str) -> LetterView | None:
        """Return a letter at its latest revision."""
        record = self._latest(letter_id)
        return None if record is None else _view(record, superseded_by=self._superseded_by(letter_id))

    def documents(self, letter_id: str) -> dict[str, str]:
        """Return the files of an issued letter by name, as kept (a PDF in base64); none for a draft."""
        record = self._latest(letter_id)
        return json.loads(record.documents) if record is not None and record.documents else {}

    def of_decision(self, decision_id: str) -> list[LetterView]:
        """Return the letters on a decision at their latest revisions, oldest first."""
        records = self._session.exec(
            select(LetterRecord)
            .where(LetterRecord.decision_id == decision_id)
            .order_by(col(LetterRecord.recorded_at), col(LetterRecord.revision))
        ).all()
        latest: dict[str, LetterRecord] = {}
        for record in records:
            latest[record.letter_id] = record
        corrected = {r.supersedes: r.letter_id for r in records if r.supersedes and r.state == LetterState.ISSUED}
        return [_view(record, superseded_by=corrected.get(ident)) for ident, record in latest.items()]

    def issued_with(self, file_digest: str) -> list[tuple[LetterView, str]]:
        """Return the issued letters one of whose files has this digest, each with the file's name."""
        query = select(LetterRecord).where(
            LetterRecord.state == LetterState.ISSUED.value, col(LetterRecord.digests).contains(file_digest)
        )
        found = []
        for record in self._session.exec(query):
            names = [name for name, value in json.loads(record.digests or "{}").items() if value == file_digest]
            if names:
                found.append((_view(record, superseded_by=self._superseded_by(record.letter_id)), names[0]))
        return found

    def add(
        self,
        *,
        letter_id: str | None,
        revision: int,
        decision_id: str,
        submission_id: str,
        state: LetterState,
        letter_date: date,
        supersedes: str | None,
        text: LetterText,
        documents: dict[str, str] | None,
        digests: dict[str, str] | None,
        actor: str,
        at: datetime,
    ) -> LetterView:
        """Record a revision of a letter: a new draft (no ``letter_id`` yet), an edit, or the issue."""
        record = LetterRecord(
            id=new_id(),
            letter_id=letter_id or new_id(),
            revision=revision,
            decision_id=decision_id,
            submission_id=submission_id,
            state=state.value,
            letter_date=letter_date,
            supersedes=supersedes,
            content=text.model_dump_json(),
            documents=json.dumps(documents, sort_keys=True) if documents is not None else None,
            digests=json.dumps(digests, sort_keys=True) if digests is not None else None,
            actor=actor,
            recorded_at=at,
        )
        action = "letter.issue" if state is LetterState.ISSUED else "letter.draft" if revision == 1 else "letter.edit"
        drafted = Draft.of(record)
        self._audited(drafted.record, actor=actor, action=action, at=at, texts=drafted.texts)
        return _view(record, superseded_by=None)
