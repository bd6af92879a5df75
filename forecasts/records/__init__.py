"""Track records, leaderboards and comparisons, computed by :mod:`scoring` from the store.

Load once with :func:`load_record_data` (a few bulk queries into numpy arrays), then compute::

    data = load_record_data(store, as_of=now, filters=RecordFilter(tag="ai"))
    record = track_record(data, "alice")
    board = leaderboard(data, metric="brier", min_n=5)
    duel = compare(data, "alice", "bob")

The conventions (standing forecast at close, time weighting, coverage) are in
:mod:`forecasts.records.pairs` and are repeated in every record's ``conventions``.
"""

from __future__ import annotations

from .board import METRICS as METRICS
from .board import leaderboard as leaderboard
from .compare import COMPARE_METRICS as COMPARE_METRICS
from .compare import compare as compare
from .filters import RecordFilter as RecordFilter
from .loader import RecordData as RecordData
from .loader import load_record_data as load_record_data
from .models import CalibrationBinOut as CalibrationBinOut
from .models import Comparison as Comparison
from .models import Leaderboard as Leaderboard
from .models import LeaderboardEntry as LeaderboardEntry
from .models import QuestionScore as QuestionScore
from .models import TrackRecord as TrackRecord
from .track import DEFAULT_MIN_N as DEFAULT_MIN_N
from .track import track_record as track_record

__all__ = [
    "COMPARE_METRICS",
    "DEFAULT_MIN_N",
    "METRICS",
    "CalibrationBinOut",
    "Comparison",
    "Leaderboard",
    "LeaderboardEntry",
    "QuestionScore",
    "RecordData",
    "RecordFilter",
    "TrackRecord",
    "compare",
    "leaderboard",
    "load_record_data",
    "track_record",
]
