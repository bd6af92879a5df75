"""``forecasts verify``: recompute the chain, check the events, check every row against them.

Three layers, each in its module: the hashes and the head (here, with a published head when
one is given), the events' own rules (:mod:`.verify_chain`: created once, changed only by
the kinds that may change it, no dangling references, times under the hash and in order),
and the rows (:mod:`.verify_rows`: records, evidence metadata, tokens, check states).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from forecasts.ledger import GENESIS_HASH, chain_hash, find_chain_breaks

from .scores import check_kept
from .store import Store
from .tables import LedgerHeadRow
from .verify_chain import Ledgered, read_ledger
from .verify_rows import check_rows

__all__ = ["PublishedHead", "VerifyReport", "verify_store"]


@dataclass(frozen=True)
class PublishedHead:
    """A head published earlier (``forecasts ledger head --json``): the chain must extend it."""

    seq: int
    hash: str


@dataclass
class VerifyReport:
    """What ``verify`` found: an empty ``problems`` list means the ledger holds."""

    events: int = 0
    rows: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    problems: list[str] = field(default_factory=list)
    published: PublishedHead | None = None
    """The published head checked, if one was given."""

    @property
    def ok(self) -> bool:
        return not self.problems


def _published_problems(ledger: Ledgered, published: PublishedHead) -> list[str]:
    """The chain must reach the published event, and recompute to its hash from genesis."""
    label = f"published head {published.seq}:{published.hash[:16]}..."
    if published.seq == 0:
        ok = published.hash == GENESIS_HASH
        return [] if ok else [f"{label}: event 0 is the genesis hash {GENESIS_HASH[:16]}..."]
    last = ledger.chain[-1][0] if ledger.chain else 0
    if published.seq > last:
        return [f"{label}: the ledger ends at event {last} (events were removed)"]
    # Recompute rather than trust stored hashes: a chain rewritten from some event on
    # carries new, self-consistent hashes, and only the published one gives it away.
    recomputed = GENESIS_HASH
    for seq, _prev, payload, _stored in ledger.chain:
        recomputed = chain_hash(recomputed, payload)
        if seq == published.seq:
            break
    if recomputed != published.hash:
        return [
            f"{label}: the chain up to event {published.seq} recomputes to "
            f"{recomputed[:16]}... (history before the published head was rewritten)"
        ]
    return []


def verify_store(store: Store, *, published: PublishedHead | None = None) -> VerifyReport:
    """Check the chain, the head, the events' rules and every row against its event."""
    report = VerifyReport(published=published)
    with store.reading() as session:
        ledger = read_ledger(store.events(session))
        report.events = len(ledger.chain)
        if published is not None:
            # First, so that the first problem named is the one the caller asked about.
            report.problems.extend(_published_problems(ledger, published))
        for brk in find_chain_breaks(ledger.chain):
            report.problems.append(f"event {brk.seq}: {brk.problem}")
        head = session.get(LedgerHeadRow, 1)
        last_seq, last_hash = (
            (ledger.chain[-1][0], ledger.chain[-1][3]) if ledger.chain else (0, GENESIS_HASH)
        )
        if head is None:
            report.problems.append("ledger head row is missing")
        else:
            report.head_seq, report.head_hash = head.seq, head.hash
            if (head.seq, head.hash) != (last_seq, last_hash):
                report.problems.append(
                    f"ledger head says event {head.seq} but the chain ends at event {last_seq}"
                )
        report.problems.extend(ledger.problems)
        report.rows, row_problems = check_rows(session, ledger)
        report.problems.extend(row_problems)
        report.problems.extend(check_kept(session.connection()))
    return report
