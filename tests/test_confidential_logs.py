"""Confidential evidence never reaches the server's log, whatever is asked of it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lsc_engine.access.policy import Role
from lsc_engine.settings import Settings
from lsc_engine.store import migrate

from .conftest import FIXTURES
from .live import LiveServer

pytestmark = pytest.mark.live

PACK = FIXTURES / "synthetic-confidential-item.json"
#: What the pack holds confidential, and text of it found nowhere else: ids, the assurance's scope, the issue.
SECRETS = (
    "SEC-T3-HAN-ASSURANCE",
    "SEC-T3-ISSUE-1",
    "the Tranche 3 head-end to HAN-connected devices",
    "authentication bypass",
)


def test_confidential_items_are_never_logged(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    migrate.upgrade(settings)
    broken = json.loads(PACK.read_text())
    broken["security"]["independent_assurance"]["status"] = "not-a-status"  # refused, naming the field
    with LiveServer(settings, tmp_path) as server, server.client() as client:
        submission = client.post("/v1/submissions", content=PACK.read_bytes()).json()["submission"]["id"]
        refused = client.post("/v1/self-check", json=broken)
        assert refused.status_code == 422
        for role in (Role.PANEL, Role.SSC, Role.OPSG):
            with server.client(role=role) as reader:
                shown = reader.get(f"/v1/submissions/{submission}").text
                assert all((secret in shown) == (role is not Role.OPSG) for secret in SECRETS[2:]), role
                reader.get(f"/v1/submissions/{submission}/evaluations")
                reader.get(f"/submissions/{submission}")
        log = server.log_text()
    assert f"/v1/submissions/{submission}" in log  # the requests were logged, as paths
    for secret in SECRETS:
        assert secret not in log
