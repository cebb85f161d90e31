"""The audit chain: cut, rewritten, replayed or forged entries are caught; a key makes forging need the key."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
from sqlmodel import Session, select

from lsc_engine.settings import Settings
from lsc_engine.store.audit import entry_hash, large_texts, record_digest
from lsc_engine.store.db import make_engine
from lsc_engine.store.models import AuditEntry, AuditHead, Submission

from .conftest import FIXTURES
from .helpers import run_lsc

pytestmark = pytest.mark.api

KEY = "a-test-audit-key-that-is-long-enough-0123456789"


def test_a_chain_cut_short_is_caught_with_the_head_kept_elsewhere(tmp_path: Path) -> None:
    lsc = partial(run_lsc, data_dir=tmp_path / "data")

    assert lsc("submit", str(FIXTURES / "seed-moc-mds-2020-03.json")).returncode == 0
    before = lsc("audit", "verify")
    assert before.returncode == 0
    kept_head = before.stdout.split("head: ")[1].split()[0]
    assert kept_head.startswith("6:sha256:")
    assert lsc("submit", str(FIXTURES / "seed-moc-secure-2020-08.json")).returncode == 0
    assert lsc("audit", "verify", "--expect-head", kept_head).returncode == 0

    # Remove everything the second submission wrote, audit entries included, and wind the head back.
    with sqlite3.connect(tmp_path / "data" / "lsc.db") as db:
        (submission_id,) = db.execute("SELECT id FROM submission WHERE capability = 'MOC-SECURE'").fetchone()
        db.execute("DELETE FROM condition WHERE submission_id = ?", (submission_id,))
        db.execute("DELETE FROM evaluation WHERE submission_id = ?", (submission_id,))
        db.execute("DELETE FROM submission WHERE id = ?", (submission_id,))
        db.execute("DELETE FROM audit_entry WHERE seq > 6")
        seq, digest = kept_head.split(":", 1)
        db.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (int(seq), digest))
    assert lsc("audit", "verify").returncode == 0  # on its own, a clean cut cannot be seen
    later_head = "10:" + "sha256:" + "0" * 64
    cut = lsc("audit", "verify", "--expect-head", later_head)
    assert cut.returncode == 4
    assert "the chain ends at entry 6, but entry 10 was seen earlier: it was cut" in cut.stdout
    rewritten = lsc("audit", "verify", "--expect-head", "6:sha256:" + "1" * 64)
    assert rewritten.returncode == 4
    assert "audit entry 6 is not the one seen earlier" in rewritten.stdout
    assert lsc("audit", "verify", "--expect-head", "nonsense").returncode == 2


def _forge_second_create(data_dir: Path, *, mac: str | None = None) -> str:
    """As someone with write access to the database: make the MOC MDS pack's items public, then hide the edit.

    The edited submission gets a second, correctly hashed ``submission.create`` entry at the end of the chain,
    and the head moves to it. Returns the submission id.
    """
    settings = Settings(data_dir=data_dir)
    with Session(make_engine(settings)) as session:
        submission = session.exec(select(Submission)).first()
        assert submission is not None
        submission.pack = submission.pack.replace('"confidential": true', '"confidential": false')
        session.add(submission)
        head = session.exec(select(AuditHead)).one()
        entry = AuditEntry(
            seq=head.seq + 1,
            at=datetime.now(UTC),
            actor="dcc:someone",
            action="submission.create",
            entity="submission",
            entity_id=submission.id,
            submission_id=submission.id,
            record_digest=record_digest(submission),
            prev_hash=head.hash,
            hash="",
            mac=mac,
        )
        entry.hash = entry_hash(entry)
        head.seq, head.hash = entry.seq, entry.hash
        session.add(entry)
        session.add(head)
        session.commit()
        return submission.id


def test_a_second_create_for_a_record_is_caught_even_with_the_earlier_head(tmp_path: Path) -> None:
    lsc = partial(run_lsc, data_dir=tmp_path / "data")
    assert lsc("submit", str(FIXTURES / "synthetic-confidential-item.json")).returncode == 0
    kept_head = lsc("audit", "head").stdout.strip()
    submission_id = _forge_second_create(tmp_path / "data")
    for args in ([], ["--expect-head", kept_head]):
        run = lsc("audit", "verify", *args)
        assert run.returncode == 4
        assert f"TAMPERED: submission {submission_id} is written twice, in audit entries 1 and" in run.stdout


def test_an_entry_that_does_not_write_its_record_the_way_records_are_written_is_caught(tmp_path: Path) -> None:
    lsc = partial(run_lsc, data_dir=tmp_path / "data")
    assert lsc("submit", str(FIXTURES / "seed-moc-mds-2020-03.json")).returncode == 0
    with sqlite3.connect(tmp_path / "data" / "lsc.db") as db:
        (seq,) = db.execute("SELECT seq FROM audit_entry WHERE entity = 'evaluation'").fetchone()
        db.execute("UPDATE audit_entry SET action = 'token.revoke' WHERE seq = ?", (seq,))
    run = lsc("audit", "verify")
    assert run.returncode == 4
    assert f"audit entry {seq} records token.revoke of evaluation" in run.stdout
    assert "which is not how such a record is written" in run.stdout


def test_with_an_audit_key_an_entry_written_without_it_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lsc = partial(run_lsc, data_dir=tmp_path / "data")
    unkeyed = lsc("submit", str(FIXTURES / "seed-moc-mds-2020-03.json"))
    assert unkeyed.returncode == 0
    monkeypatch.setenv("LSC_AUDIT_KEY", KEY)
    assert lsc("submit", str(FIXTURES / "seed-moc-secure-2020-08.json")).returncode == 0
    keyed = lsc("audit", "verify", "--keyed-since", "7")
    assert keyed.returncode == 0, keyed.stdout
    assert "keyed: from entry 7; every MAC checked with LSC_AUDIT_KEY" in keyed.stdout
    strict = lsc("audit", "verify")
    assert strict.returncode == 4
    assert "TAMPERED: audit entry 1 was written without the audit key" in strict.stdout

    submission_id = _forge_second_create(tmp_path / "data", mac="hmac-sha256:" + "0" * 64)
    forged = lsc("audit", "verify", "--keyed-since", "7")
    assert forged.returncode == 4
    head = lsc("audit", "head").stdout.strip()
    seq = head.split(":")[0]
    assert f"TAMPERED: audit entry {seq} does not carry the audit key's MAC: it was forged" in forged.stdout
    assert f"submission {submission_id} is written twice" in forged.stdout

    monkeypatch.delenv("LSC_AUDIT_KEY")
    unchecked = lsc("audit", "verify")
    assert "keyed: from entry 7; MACs not checked (set LSC_AUDIT_KEY to check them)" in unchecked.stdout


def test_audit_head_prints_the_head_verify_reports(tmp_path: Path) -> None:
    lsc = partial(run_lsc, data_dir=tmp_path / "data")
    assert lsc("submit", str(FIXTURES / "seed-moc-mds-2020-03.json")).returncode == 0
    verified = lsc("audit", "verify")
    assert "keyed: no entry carries a MAC (set LSC_AUDIT_KEY to sign new entries)" in verified.stdout
    assert f"head: {lsc('audit', 'head').stdout.strip()} " in verified.stdout


def test_an_unsigned_entry_in_a_keyed_chain_shows_even_without_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lsc = partial(run_lsc, data_dir=tmp_path / "data")
    monkeypatch.setenv("LSC_AUDIT_KEY", KEY)
    assert lsc("submit", str(FIXTURES / "seed-moc-mds-2020-03.json")).returncode == 0
    monkeypatch.delenv("LSC_AUDIT_KEY")
    _forge_second_create(tmp_path / "data")  # written by someone without the key: no MAC at all
    seq = lsc("audit", "head").stdout.split(":")[0]
    run = lsc("audit", "verify")
    assert run.returncode == 4
    assert f"TAMPERED: audit entry {seq} was written without the audit key" in run.stdout


def _large_submission(pack: str) -> Submission:
    return Submission(
        id="s1",
        capability="MOC-MDS",
        version=1,
        cohort="all",
        submitter="dcc:DCC",
        statement_date=datetime(2020, 3, 6, tzinfo=UTC).date(),
        received_at=datetime(2020, 3, 6, 12, tzinfo=UTC),
        pack=pack,
        pack_digest="sha256:x",
        input_digest="sha256:y",
        request_digest="sha256:z",
    )


def test_a_large_text_digested_before_the_head_is_taken_counts_only_while_the_record_holds_that_text() -> None:
    pack = '{"statement": "' + "x" * 5000 + '"}'
    record = _large_submission(pack)
    texts = large_texts(record)
    assert set(texts) == {"pack"}  # only texts over 4 KiB enter by their digest
    assert record_digest(record, texts) == record_digest(record)  # the same digest as one made from scratch
    assert record_digest(record, {"pack": (pack, "sha256:made-up")}) != record_digest(record)  # it was used
    record.pack = pack.replace("x", "y")
    assert record_digest(record, texts) == record_digest(_large_submission(record.pack))  # an edit is digested anew
    assert record_digest(record, texts) != record_digest(_large_submission(pack))
