"""``/due``: the questions waiting for a person, oldest first, with who must act and why."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from forecasts.api.deps import StoreDep
from forecasts.services.due import due_questions
from forecasts.timeutils import utc_now

from .templating import preload_templates

__all__ = ["build_due_router"]

_TEMPLATES = Path(__file__).resolve().parent / "templates"


def build_due_router(*, preload: bool = False) -> APIRouter:
    templates = Jinja2Templates(directory=str(_TEMPLATES))
    if preload:
        preload_templates(templates, ["due.html"])
    router = APIRouter(include_in_schema=False)

    @router.get("/due", response_class=HTMLResponse)
    def due_page(request: Request, store: StoreDep) -> HTMLResponse:
        now = utc_now()
        items = due_questions(store, as_of=now)
        rows = [(item, item.days_overdue(now)) for item in items]
        return templates.TemplateResponse(request, "due.html", {"rows": rows, "now": now})

    return router
