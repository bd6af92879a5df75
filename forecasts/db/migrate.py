"""Schema migrations with Alembic, run programmatically (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from .revisions import head_revision

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "current_revision",
    "head_revision",
    "migrate",
    "needs_migration",
    "upgrade_database",
]

_SCRIPTS = Path(__file__).with_name("migrations")


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def needs_migration(engine: Engine) -> bool:
    return current_revision(engine) != head_revision()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` (default: the newest)."""
    from alembic import command

    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def make_revision(engine: Engine, message: str) -> None:
    """Autogenerate a new revision against ``engine`` (a developer tool)."""
    from alembic import command

    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)


def upgrade_database(url: str) -> tuple[str | None, str | None]:
    """Create or migrate the database at ``url``; returns the revisions before and after."""
    from .engine import make_engine

    engine = make_engine(url)
    try:
        before = current_revision(engine)
        migrate(engine)
        from .kept import complete_kept

        complete_kept(engine)
        return before, current_revision(engine)
    finally:
        engine.dispose()
