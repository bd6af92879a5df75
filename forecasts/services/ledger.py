"""The database and its ledger: open, create or migrate, verify, read the head."""

from __future__ import annotations

from forecasts.db.migrate import upgrade_database
from forecasts.db.store import LedgerHead, Store, open_store
from forecasts.db.verify import VerifyReport, verify_store

__all__ = [
    "LedgerHead",
    "Store",
    "VerifyReport",
    "init_database",
    "open_database",
    "verify_ledger",
]


def open_database(url: str) -> Store:
    """The store at ``url``, migrated to the newest schema if it is behind."""
    return open_store(url)


def init_database(url: str) -> tuple[str | None, str | None]:
    """Create or migrate the database; the schema revisions before and after."""
    return upgrade_database(url)


def verify_ledger(store: Store) -> VerifyReport:
    """Recompute the hash chain and check every row against its event."""
    return verify_store(store)
