"""The database and its ledger: open, create or migrate, verify, read the head."""

from __future__ import annotations

from forecasts.db.migrate import upgrade_database
from forecasts.db.store import LedgerHead, Store, open_store
from forecasts.db.verify import PublishedHead, VerifyReport, verify_store

__all__ = [
    "LedgerHead",
    "PublishedHead",
    "Store",
    "VerifyReport",
    "init_database",
    "ledger_head",
    "open_database",
    "verify_ledger",
]


def open_database(url: str) -> Store:
    """The store at ``url``, migrated to the newest schema if it is behind."""
    return open_store(url)


def init_database(url: str) -> tuple[str | None, str | None]:
    """Create or migrate the database; the schema revisions before and after."""
    return upgrade_database(url)


def verify_ledger(store: Store, *, published: PublishedHead | None = None) -> VerifyReport:
    """Recompute the hash chain, check the events and every row against its event.

    With ``published`` (a head published earlier), also prove that the chain extends it:
    the event at its sequence number recomputes, from genesis, to its hash.
    """
    return verify_store(store, published=published)


def ledger_head(store: Store) -> LedgerHead:
    """The newest event: what to publish."""
    return store.ledger_head()
