"""Signed JWTs from an identity provider, where a deployment configures one, beside lsc tokens."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from api.app import create_app
from lsc_engine.access.jwts import RECHECK_SECONDS, JwtVerifier
from lsc_engine.access.policy import Role
from lsc_engine.errors import KeysUnavailable, Unauthenticated
from lsc_engine.settings import Settings
from lsc_engine.store import migrate

from .auth import bearer
from .conftest import FIXTURES

pytestmark = pytest.mark.api

ISSUER = "https://idp.example.test/realms/sec"
AUDIENCE = "lsc-engine"
MDS = (FIXTURES / "seed-moc-mds-2020-03.json").read_bytes()


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    """The identity provider's signing key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def client(tmp_path: Path, key: rsa.RSAPrivateKey) -> Iterator[TestClient]:
    """An app that accepts JWTs signed with ``key`` (published as kid ``k1``)."""
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]}))
    settings = Settings(data_dir=tmp_path / "data", jwt_jwks_file=jwks, jwt_issuer=ISSUER, jwt_audience=AUDIENCE)
    migrate.upgrade(settings)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _token(key: Any, **changes: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {"iss": ISSUER, "aud": AUDIENCE, "sub": "u-42", "name": "Pat Panel", "lsc_role": "panel"}
    claims |= {"iat": now, "exp": now + 300}
    claims |= changes
    kid = claims.pop("kid", "k1")
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key, algorithm="RS256", headers={"kid": kid})


def test_a_valid_jwt_speaks_for_its_role(client: TestClient, key: rsa.RSAPrivateKey) -> None:
    assert client.get("/v1/submissions", headers=bearer(_token(key))).status_code == 200
    dcc = bearer(_token(key, sub="u-7", name="Dee Cee", lsc_role="dcc"))
    submitted = client.post("/v1/submissions", content=MDS, headers=dcc)
    assert submitted.status_code == 201
    assert submitted.json()["submission"]["submitter"] == f"dcc:Dee Cee [jwt {ISSUER} u-7]"
    refused = client.post(
        f"/v1/submissions/{submitted.json()['submission']['id']}/decisions",
        json={"outcome": "recommend", "considered_on": "2020-03-06"},
        headers=dcc,
    )
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"aud": "another-service"}, "Audience doesn't match"),
        ({"iss": "https://elsewhere.example.test"}, "Invalid issuer"),
        ({"exp": int(time.time()) - 60}, "Signature has expired"),
        ({"exp": None}, 'Token is missing the "exp" claim'),
        ({"kid": "k2"}, "the key id is not in the configured key set"),
        ({"sub": ""}, "the JWT's sub claim is empty"),
        ({"sub": "u\u202e42"}, "sub claim holds control or direction-changing characters"),
        ({"name": "Pat\x1b[2JPanel"}, "name claim holds control or direction-changing characters"),
        ({"name": "Pat\r\nPanel"}, "name claim holds control or direction-changing characters"),
        ({"name": "P" * 101}, "name claim is longer than 100 characters"),
        ({"exp": int(time.time()) + 2 * 86_400}, "valid for longer than 86400 seconds"),
        ({"lsc_role": "superuser"}, "lsc_role claim names no known role"),
    ],
)
def test_a_jwt_that_does_not_hold_is_refused(
    client: TestClient, key: rsa.RSAPrivateKey, changes: dict[str, Any], reason: str
) -> None:
    answer = client.get("/v1/submissions", headers=bearer(_token(key, **changes)))
    assert answer.status_code == 401
    assert reason in answer.json()["message"]


def test_a_jwt_signed_by_another_key_is_refused(client: TestClient) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    answer = client.get("/v1/submissions", headers=bearer(_token(stranger)))
    assert answer.status_code == 401
    assert "Signature verification failed" in answer.json()["message"]


def test_an_unsigned_jwt_is_refused(client: TestClient) -> None:
    # PyJWT types the key without None, yet alg "none" needs key None (see NoneAlgorithm.prepare_key).
    no_key = cast("str", None)
    unsigned = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": 2**40, "lsc_role": "panel"}, no_key, "none"
    )
    assert client.get("/v1/submissions", headers=bearer(unsigned)).status_code == 401


def test_settings_refuse_a_key_set_without_issuer_and_audience(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="jwt_issuer and jwt_audience"):
        Settings(data_dir=tmp_path, jwt_jwks_file=tmp_path / "jwks.json")


def test_a_huge_key_id_is_refused_without_being_repeated(client: TestClient, key: rsa.RSAPrivateKey) -> None:
    kid = "K" * 1_000_000
    answer = client.get("/v1/submissions", headers=bearer(_token(key, kid=kid)))
    assert answer.status_code == 401
    assert "KKKK" not in answer.text
    assert len(answer.content) < 500


def test_an_overlong_jwt_is_refused_before_it_is_decoded(client: TestClient, key: rsa.RSAPrivateKey) -> None:
    answer = client.get("/v1/submissions", headers=bearer(_token(key, padding="x" * 10_000)))
    assert answer.status_code == 401
    assert answer.json()["message"] == "the JWT is longer than 8192 characters"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _jwks(path: Path, key: rsa.RSAPrivateKey, kid: str) -> None:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    path.write_text(json.dumps({"keys": [{**public, "kid": kid, "use": "sig", "alg": "RS256"}]}))


def test_a_key_file_that_vanishes_refuses_jwts_as_unavailable_until_it_is_back(
    tmp_path: Path, key: rsa.RSAPrivateKey, caplog: pytest.LogCaptureFixture
) -> None:
    jwks, clock = tmp_path / "jwks.json", Clock()
    _jwks(jwks, key, "k1")
    verifier = JwtVerifier(jwks, issuer=ISSUER, audience=AUDIENCE, clock=clock)
    assert verifier.principal(_token(key)).role == Role.PANEL
    jwks.unlink()
    clock.now += RECHECK_SECONDS
    with pytest.raises(KeysUnavailable):
        verifier.principal(_token(key))
    jwks.write_text('{"keys": [')  # half written
    clock.now += RECHECK_SECONDS
    with pytest.raises(KeysUnavailable):
        verifier.principal(_token(key))
    assert [r.levelname for r in caplog.records] == ["ERROR", "ERROR"]
    _jwks(jwks, key, "k1")
    clock.now += RECHECK_SECONDS
    assert verifier.principal(_token(key)).name == "Pat Panel"


def test_a_key_file_replaced_under_its_old_modification_time_is_read_again(
    tmp_path: Path, key: rsa.RSAPrivateKey
) -> None:
    jwks, clock = tmp_path / "jwks.json", Clock()
    _jwks(jwks, key, "k1")
    before = jwks.stat()
    verifier = JwtVerifier(jwks, issuer=ISSUER, audience=AUDIENCE, clock=clock)
    rotated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _jwks(jwks, rotated, "k2")
    os.utime(jwks, ns=(before.st_atime_ns, before.st_mtime_ns))
    clock.now += RECHECK_SECONDS
    assert verifier.principal(_token(rotated, kid="k2")).role == Role.PANEL
    with pytest.raises(Unauthenticated, match="not in the configured key set"):
        verifier.principal(_token(key, kid="k1"))


def test_the_answer_to_a_missing_key_file_is_503_with_retry_after(
    client: TestClient, key: rsa.RSAPrivateKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    verifier: JwtVerifier = client.app.state.jwt  # type: ignore[attr-defined]
    monkeypatch.setattr(verifier, "_checked", -RECHECK_SECONDS)
    verifier.jwks_file.unlink()
    answer = client.get("/v1/submissions", headers=bearer(_token(key)))
    assert answer.status_code == 503
    assert answer.json()["code"] == "identity_keys_unavailable"
    assert answer.headers["retry-after"] == "5"


def test_a_jwt_holder_cannot_pass_for_a_token_holder_of_the_same_name(
    client: TestClient, key: rsa.RSAPrivateKey
) -> None:
    """The audit chain names what authenticated a caller, so a name claim cannot borrow another's identity."""
    as_jwt = bearer(_token(key, sub="u-8", name="test dcc", lsc_role="dcc"))
    submitted = client.post("/v1/submissions", content=MDS, headers=as_jwt)
    assert submitted.json()["submission"]["submitter"] == f"dcc:test dcc [jwt {ISSUER} u-8]"
