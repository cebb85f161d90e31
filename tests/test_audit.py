"""The audit chain: a chain cut short is caught when its earlier head was kept elsewhere."""

from __future__ import annotations

import sqlite3
from functools import partial
from pathlib import Path

import pytest

from .conftest import FIXTURES
from .helpers import run_lsc

pytestmark = pytest.mark.api


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
