"""Signed JWTs from an identity provider, where a deployment configures one, beside lsc tokens."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from api.app import create_app
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
    assert submitted.json()["submission"]["submitter"] == "dcc:Dee Cee"
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
        ({"kid": "k2"}, "no key 'k2'"),
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
