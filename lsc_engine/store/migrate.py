"""Schema migrations (alembic), run from code so an installed package can upgrade its own database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from lsc_engine.settings import Settings
from lsc_engine.store.db import prepare_sqlite_file

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(settings: Settings) -> Config:
    """Build the alembic configuration for the configured database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", settings.url.replace("%", "%%"))
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Bring the database schema up to a revision (the latest by default)."""
    prepare_sqlite_file(settings)
    command.upgrade(alembic_config(settings), revision)


def check(settings: Settings) -> None:
    """Fail if the models differ from what the migrations create."""
    command.check(alembic_config(settings))
