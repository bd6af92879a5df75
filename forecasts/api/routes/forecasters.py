"""``/api/forecasters``: list, show, add (admin), and each forecaster's forecasts."""

from __future__ import annotations

from fastapi import APIRouter, status

from forecasts.domain import Forecast, Forecaster
from forecasts.errors import NotFoundError
from forecasts.services import add_forecaster
from forecasts.timeutils import utc_now

from ..deps import AdminDep, StoreDep
from ..errors import READ_ERRORS, WRITE_ERRORS
from ..schemas import Page
from ._params import HandlePath, Limit, Offset

__all__ = ["router"]

router = APIRouter(prefix="/api/forecasters", tags=["forecasters"])


@router.get("", response_model=Page[Forecaster], responses=READ_ERRORS)
def list_forecasters(store: StoreDep, limit: Limit = 100, offset: Offset = 0) -> Page[Forecaster]:
    """Every forecaster, by handle."""
    everyone = store.forecasters()
    return Page(data=everyone[offset : offset + limit], count=len(everyone))


@router.post(
    "", response_model=Forecaster, status_code=status.HTTP_201_CREATED, responses=WRITE_ERRORS
)
def create_forecaster(forecaster: Forecaster, store: StoreDep, _admin: AdminDep) -> Forecaster:
    """Add a forecaster (admin token)."""
    return add_forecaster(store, forecaster, as_of=utc_now())


@router.get("/{handle}", response_model=Forecaster, responses=READ_ERRORS)
def get_forecaster(handle: HandlePath, store: StoreDep) -> Forecaster:
    found = store.forecaster(handle)
    if found is None:
        raise NotFoundError("forecaster", handle)
    return found


@router.get("/{handle}/forecasts", response_model=Page[Forecast], responses=READ_ERRORS)
def forecaster_forecasts(
    handle: HandlePath, store: StoreDep, limit: Limit = 100, offset: Offset = 0
) -> Page[Forecast]:
    """The forecaster's forecasts, in the order they were made."""
    if store.forecaster(handle) is None:
        raise NotFoundError("forecaster", handle)
    made = store.forecasts(forecaster=handle)
    return Page(data=made[offset : offset + limit], count=len(made))
