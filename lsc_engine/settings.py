"""Settings for the service and the store: one class, read from LSC_* environment variables, self-checking."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from lsc_engine.core.ruleset import bundled_rules_dir

MIB = 1024 * 1024


class Settings(BaseSettings):
    """How lsc-engine stores, serves and limits; every value can be set as LSC_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="LSC_", extra="ignore", frozen=True)

    data_dir: Path = Field(default=Path("data"), description="Where the default SQLite database lives")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default a SQLite file in data_dir")
    rules_dir: Path = Field(default_factory=bundled_rules_dir, description="The ruleset to load")
    letterhead: Path | None = Field(
        default=None, description="The letterhead file (TOML) of the Panel's letters; default the one shipped"
    )
    max_request_bytes: int = Field(default=256 * MIB, description="Largest request body accepted")
    body_timeout_seconds: float = Field(
        default=120.0, gt=0, le=3600, description="Longest a request body may take to arrive"
    )
    max_form_bytes: int = Field(
        default=MIB, ge=1024, le=64 * MIB, description="Largest body of any request but a pack's (forms, JSON)"
    )
    max_header_bytes: int = Field(
        default=32 * 1024, ge=1024, le=1024 * 1024, description="Largest request line and headers together"
    )
    header_timeout_seconds: float = Field(
        default=10.0, gt=0, le=300, description="Longest a request's line and headers may take to arrive"
    )
    max_pack_items: int = Field(default=2_000_000, ge=1, le=50_000_000, description="Most evidence items in a pack")
    database_pool_size: int = Field(default=10, ge=1, le=200)
    database_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    list_limit_max: int = Field(default=500, ge=1, le=10_000)
    rate_limit_per_minute: int = Field(
        default=1200, ge=0, le=10_000_000, description="Requests per token per minute, across replicas; 0: no limit"
    )
    failed_auth_per_minute: int = Field(
        default=60, ge=0, le=1_000_000, description="Refused requests per client address per minute before 429"
    )
    forwarded_allow_ips: str | None = Field(
        default=None,
        description="Reverse proxies (comma-separated addresses) whose X-Forwarded-For names the client; none default",
    )
    token_cache_seconds: float = Field(
        default=5.0, ge=0, le=300, description="How long a replica remembers a token; revocation shows after it"
    )
    session_hours: float = Field(default=8.0, gt=0, le=24 * 30, description="How long a browser sign-in lasts")
    jwt_jwks_file: Path | None = Field(
        default=None, description="Accept signed JWTs as well as tokens, checked against the keys in this JWKS file"
    )
    jwt_issuer: str | None = Field(default=None, max_length=150, description="The issuer every JWT must name")
    jwt_audience: str | None = Field(default=None, description="The audience every JWT must name")
    jwt_role_claim: str = Field(default="lsc_role", description="The claim holding the caller's role")
    jwt_max_lifetime_seconds: float = Field(
        default=86_400, gt=0, le=31 * 86_400, description="Refuse JWTs issued to last longer than this"
    )
    audit_key: SecretStr | None = Field(
        default=None,
        min_length=32,
        description="Secret kept outside the database; every audit entry then carries an HMAC made with it",
    )
    cookie_secure: bool = Field(default=True, description="Send the session cookie over HTTPS (and localhost) only")

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Settings:
        if not 1024 <= self.max_request_bytes <= 2048 * MIB:
            raise ValueError("max_request_bytes must be between 1 KiB and 2 GiB")
        url = self.url
        if not url.startswith(("sqlite:///", "postgresql+psycopg://", "postgresql://")):
            raise ValueError("database_url must be a sqlite:/// file or a postgresql:// URL")
        if url in ("sqlite://", "sqlite:///:memory:") or url.startswith("sqlite:///:memory:"):
            raise ValueError("an in-memory database loses every submission on restart; give a file")
        if self.jwt_jwks_file is not None and not (self.jwt_issuer and self.jwt_audience):
            raise ValueError("accepting JWTs needs both jwt_issuer and jwt_audience")
        return self

    @property
    def url(self) -> str:
        """Return the database URL, with PostgreSQL URLs pinned to the psycopg 3 driver."""
        if self.database_url is None:
            return f"sqlite:///{self.data_dir / 'lsc.db'}"
        if self.database_url.startswith("postgresql://"):
            return "postgresql+psycopg://" + self.database_url.removeprefix("postgresql://")
        return self.database_url

    @property
    def is_sqlite(self) -> bool:
        """Tell whether the store is a SQLite file."""
        return self.url.startswith("sqlite")
