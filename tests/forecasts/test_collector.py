"""The collector settings for batch work: in force inside the block, restored after it."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator

import pytest

from forecasts.collector import batch_collector


@pytest.fixture
def collector() -> Iterator[tuple[int, int, int]]:
    """The process's settings before the test, put back after it whatever it did."""
    saved = gc.get_threshold()
    yield saved
    gc.set_threshold(*saved)
    gc.unfreeze()


def test_settings_hold_inside_and_come_back_after(collector: tuple[int, int, int]) -> None:
    kept = object()  # alive before the block: frozen out of collection while it runs
    with batch_collector():
        assert gc.get_threshold()[0] >= 20_000
        assert gc.get_threshold()[1:] == collector[1:]
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == collector
    assert gc.get_freeze_count() == 0
    assert kept is not None


def test_settings_come_back_when_the_work_raises(collector: tuple[int, int, int]) -> None:
    with pytest.raises(RuntimeError), batch_collector():
        raise RuntimeError("the sweep failed")
    assert gc.get_threshold() == collector
    assert gc.get_freeze_count() == 0


def test_nested_and_concurrent_blocks_restore_once_the_last_ends(
    collector: tuple[int, int, int],
) -> None:
    inner_done = threading.Event()
    release = threading.Event()
    seen: list[tuple[int, int, int]] = []

    def other_sweep() -> None:
        with batch_collector():
            inner_done.set()
            release.wait(10)
        seen.append(gc.get_threshold())

    with batch_collector():
        with batch_collector():
            pass
        assert gc.get_threshold() != collector  # the inner block left it in force
        thread = threading.Thread(target=other_sweep)
        thread.start()
        assert inner_done.wait(10)
    # This block ended first; the other thread's is still open.
    assert gc.get_threshold() != collector
    release.set()
    thread.join(10)
    assert seen == [collector]
    assert gc.get_freeze_count() == 0


def test_a_heap_frozen_by_the_process_stays_frozen(collector: tuple[int, int, int]) -> None:
    gc.freeze()  # as a pre-forking server does before it forks
    with batch_collector():
        pass
    assert gc.get_freeze_count() > 0  # not thawed by the block
    assert gc.get_threshold() == collector


@pytest.mark.usefixtures("collector")
def test_cycles_made_inside_are_still_collected() -> None:
    class Node:
        other: object = None

    with batch_collector():
        a, b = Node(), Node()
        a.other, b.other = b, a
        gone = weakref.ref(a)
        del a, b
        assert gone() is not None  # a cycle: only the collector frees it
        kept = [[] for _ in range(3 * gc.get_threshold()[0])]  # no explicit gc.collect()
        assert gone() is None
        assert len(kept) > 0
