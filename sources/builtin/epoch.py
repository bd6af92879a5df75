"""``epoch``: Epoch AI's public CSV datasets, filtered and aggregated, optionally by group."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import field_validator

from .._base import FetchRequest, Observation, Source, SourceSpec
from .._evidence import Evidence
from ._common import read_csv, response_for
from ._table import TableQuery, evaluate

__all__ = ["EPOCH_BASE_URL", "EpochSource", "EpochSpec"]

EPOCH_BASE_URL = "https://epoch.ai/data/"


class EpochSpec(SourceSpec, TableQuery):
    """``{source: epoch, dataset: eci_scores.csv, filters?, column, aggregate, group_by?, ...}``.

    ``dataset`` is a CSV path under https://epoch.ai/data/ (``notable_ai_models.csv``,
    ``eci_scores.csv``, ``gpu_clusters.csv``, ...). With ``group_by`` the observation is a
    ranking; ``group_map: country_code`` maps country names (``United States of America``) to
    ISO codes and ``org_country`` maps organizations through ``sources/data/org_country.csv``.
    """

    source: Literal["epoch"] = "epoch"
    dataset: str

    @field_validator("dataset")
    @classmethod
    def _check_dataset(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9_]+(/[a-z0-9_]+)*\.csv", value):
            raise ValueError(
                f"must be an Epoch CSV file name such as 'eci_scores.csv', got {value!r}"
            )
        return value


class EpochSource(Source[EpochSpec]):
    """Aggregate a column of an Epoch AI dataset; a ranking with ``group_by``."""

    name: ClassVar[str] = "epoch"
    spec_model: ClassVar[type[SourceSpec]] = EpochSpec

    def _request(self, spec: EpochSpec) -> FetchRequest:
        return FetchRequest(url=EPOCH_BASE_URL + spec.dataset)

    def requests(self, spec: EpochSpec, *, as_of: datetime) -> list[FetchRequest]:
        return [self._request(spec)]

    def parse(
        self, spec: EpochSpec, responses: Mapping[str, Evidence], *, as_of: datetime
    ) -> Observation:
        evidence = response_for(responses, self._request(spec))
        header, rows = read_csv(evidence)
        return evaluate(spec, header, rows, url=evidence.url, as_of=as_of)
