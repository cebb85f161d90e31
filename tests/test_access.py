"""Roles, permissions and tokens: the policy as a full matrix, and tokens hashed, resolved and revoked."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from lsc_engine.access.policy import Permission, Principal, Role, allowed, require, require_group, sees_confidential
from lsc_engine.core.evidence import Group
from lsc_engine.errors import Conflict, Forbidden
from lsc_engine.services.tokens import Tokens
from lsc_engine.settings import Settings
from lsc_engine.store.audit import verify
from lsc_engine.store.db import make_engine, session_scope
from lsc_engine.store.models import ApiToken

from .helpers import run_lsc

#: Who may do what, written out by hand so that any change to the policy shows here.
EXPECTED = {
    Permission.SUBMIT: {"dcc"},
    Permission.SELF_CHECK: {"dcc", "tag", "opsg", "ssc", "panel", "observer"},
    Permission.READ: {"dcc", "tag", "opsg", "ssc", "panel", "observer"},
    Permission.RE_EVALUATE: {"tag", "opsg", "ssc", "panel"},
    Permission.ASSESS: {"tag", "opsg", "ssc"},
    Permission.REVOKE: {"tag", "opsg", "ssc"},
    Permission.ADD_CONDITION: {"tag", "opsg", "ssc", "panel"},
    Permission.ACT_ON_CONDITION: {"tag", "opsg", "ssc", "panel"},
    Permission.DECIDE: {"panel"},
    Permission.MANAGE_TOKENS: {"admin"},
}


def principal(role: Role) -> Principal:
    """A caller in a role."""
    return Principal(token_id="t", name="someone", role=role)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", list(Permission))
def test_policy_matrix(role: Role, permission: Permission) -> None:
    expected = role.value in EXPECTED[permission]
    assert allowed(principal(role), permission) is expected
    if expected:
        require(principal(role), permission)
    else:
        with pytest.raises(Forbidden) as refused:
            require(principal(role), permission)
        assert refused.value.details == {"role": role.value, "permission": permission.value}


def test_dcc_can_never_assess_or_decide() -> None:
    assert not allowed(principal(Role.DCC), Permission.ASSESS)
    assert not allowed(principal(Role.DCC), Permission.DECIDE)


@pytest.mark.parametrize("role", [Role.TAG, Role.OPSG, Role.SSC])
def test_a_group_acts_only_for_itself(role: Role) -> None:
    own = principal(role).group
    assert own is not None
    require_group(principal(role), own)
    for other in set(Group) - {own}:
        with pytest.raises(Forbidden):
            require_group(principal(role), other)
    require_group(principal(Role.PANEL), own)


def test_confidential_evidence_is_for_the_owning_group_and_the_panel() -> None:
    assert sees_confidential(principal(Role.SSC), Group.SSC)
    assert sees_confidential(principal(Role.PANEL), Group.SSC)
    for role in (Role.OPSG, Role.TAG, Role.DCC, Role.OBSERVER, Role.ADMIN):
        assert not sees_confidential(principal(role), Group.SSC)


def test_tokens_are_hashed_resolved_and_revoked(settings: Settings) -> None:
    engine = make_engine(settings)
    tokens = Tokens(engine)
    info, secret = tokens.create(role=Role.OPSG, name="OPSG chair", actor="test")
    assert secret.startswith("lsc_")
    with session_scope(engine) as session:
        stored = session.get(ApiToken, info.id)
        assert stored is not None
        assert secret not in stored.token_hash
    assert tokens.resolve(secret) == Principal(token_id=info.id, name="OPSG chair", role=Role.OPSG)
    assert tokens.resolve(secret + "x") is None
    assert tokens.resolve("not-a-token") is None
    tokens.revoke(info.id, reason="left the group", actor="test")
    assert tokens.resolve(secret) is None
    with pytest.raises(Conflict):
        tokens.revoke(info.id, reason="again", actor="test")
    assert [(t.name, t.revoked_at is not None) for t in tokens.list()] == [("OPSG chair", True)]
    with session_scope(engine) as session:
        assert verify(session).intact
    engine.dispose()


@pytest.mark.api  # lsc tokens on a SQLite file
def test_tokens_from_the_command_line(tmp_path: Path) -> None:
    lsc = partial(run_lsc, data_dir=tmp_path / "data")

    created = lsc("tokens", "create", "--role", "panel", "--name", "Panel secretary")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert secret.startswith("lsc_")
    token_id = created.stderr.split()[1]
    listed = lsc("tokens", "list")
    assert token_id in listed.stdout
    assert "panel" in listed.stdout
    assert secret not in listed.stdout
    assert lsc("tokens", "create", "--role", "wizard", "--name", "x").returncode == 2
    assert lsc("tokens", "revoke", token_id, "--reason", "rotated").returncode == 0
    assert "revoked" in lsc("tokens", "list").stdout
    assert lsc("tokens", "revoke", "nope").returncode == 2
    assert lsc("audit", "verify").returncode == 0
