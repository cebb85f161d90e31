"""Roles, permissions and tokens: the policy as a full matrix, tokens and sessions as values, the short memory."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from lsc_engine.access.policy import Permission, Principal, Role, allowed, require, require_group, sees_confidential
from lsc_engine.access.recent import Recent
from lsc_engine.access.sessions import csrf_token, new_session_secret, session_key
from lsc_engine.access.tokens import looks_like_token, new_secret, token_hash
from lsc_engine.core.evidence import Group
from lsc_engine.errors import Conflict, Forbidden
from lsc_engine.services.token_inputs import TokenIn, TokenRevocationIn
from lsc_engine.services.tokens import Tokens
from lsc_engine.settings import Settings
from lsc_engine.store.audit import verify
from lsc_engine.store.db import make_engine, session_scope
from lsc_engine.store.models import ApiToken

from .helpers import run_lsc

#: Who may do what, written out by hand so that any change to the policy shows here.
EXPECTED = {
    Permission.SUBMIT: {"dcc"},
    Permission.SELF_CHECK: {"dcc", "tag", "opsg", "ssc", "panel"},
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
    info, secret = tokens.create(TokenIn(role=Role.OPSG, name="OPSG chair"), actor="test")
    assert secret.startswith("lsc_")
    with session_scope(engine) as session:
        stored = session.get(ApiToken, info.id)
        assert stored is not None
        assert secret not in stored.token_hash
    assert tokens.resolve(secret) == Principal(token_id=info.id, name="OPSG chair", role=Role.OPSG)
    assert tokens.resolve(secret + "x") is None
    assert tokens.resolve("not-a-token") is None
    tokens.revoke(info.id, TokenRevocationIn(reason="left the group"), actor="test")
    assert tokens.resolve(secret) is None
    with pytest.raises(Conflict):
        tokens.revoke(info.id, TokenRevocationIn(reason="again"), actor="test")
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
    token_id = created.stderr.splitlines()[-1].split()[1]
    listed = lsc("tokens", "list")
    assert token_id in listed.stdout
    assert "panel" in listed.stdout
    assert secret not in listed.stdout
    assert lsc("tokens", "create", "--role", "wizard", "--name", "x").returncode == 2
    assert lsc("tokens", "revoke", token_id, "--reason", "rotated").returncode == 0
    assert "revoked" in lsc("tokens", "list").stdout
    assert lsc("tokens", "revoke", "nope").returncode == 2
    assert lsc("audit", "verify").returncode == 0


def test_a_token_has_the_prefix_and_is_kept_by_its_sha256() -> None:
    secret = new_secret()
    assert looks_like_token(secret)
    assert len(secret) == len("lsc_") + 43, "32 random bytes, URL-safe base64 without padding"
    assert not looks_like_token("eyJhbGciOi.x.y")
    assert token_hash("lsc_abc") == hashlib.sha256(b"lsc_abc").hexdigest()
    assert new_secret() != secret


def test_a_session_is_kept_by_its_hash_and_its_forms_carry_a_value_derived_from_its_secret() -> None:
    secret = new_session_secret()
    assert session_key(secret) == hashlib.sha256(secret.encode()).hexdigest()
    assert csrf_token(secret) == hashlib.sha256(f"csrf:{secret}".encode()).hexdigest()[:32]
    assert csrf_token(secret) != csrf_token(new_session_secret())
    assert csrf_token(secret) not in session_key(secret), "the stored key does not give the form value away"


class Away(Exception):
    """The source of the answers cannot be reached."""


def test_a_remembered_answer_serves_until_it_expires_and_while_its_source_is_away() -> None:
    recent = Recent[str](60, unavailable=(Away,))
    calls: list[str] = []

    def answer(value: str) -> Callable[[], str]:
        def compute() -> str:
            calls.append(value)
            return value

        return compute

    def away() -> str:
        raise Away

    assert recent.get("k", answer("first")) == "first"
    assert recent.get("k", answer("second")) == "first", "fresh: the source is not asked"
    assert calls == ["first"]
    assert recent.fresh("k") == (True, "first")
    recent.forget("k")
    assert recent.fresh("k") == (False, None)
    with pytest.raises(Away):
        recent.get("k", away)  # nothing remembered to fall back on


def test_an_expired_answer_serves_only_while_the_source_is_away() -> None:
    now = [100.0]
    recent = Recent[str](5, unavailable=(Away,), clock=lambda: now[0])
    assert recent.get("k", lambda: "first") == "first"
    now[0] += 5
    assert recent.fresh("k") == (False, None)

    def away() -> str:
        raise Away

    def broken() -> str:
        raise ValueError("a fault, not an outage")

    assert recent.get("k", away) == "first"
    with pytest.raises(ValueError, match="a fault"):
        recent.get("k", broken)
    assert recent.get("k", lambda: "second") == "second"
    assert Recent[str](0).get("k", lambda: "never kept") == "never kept"
