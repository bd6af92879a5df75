"""The index pages: ``/questions`` (search, tag, status and kind filters, pages) and
``/forecasters``."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from forecasts.api.deps import StoreDep
from forecasts.errors import FieldError
from forecasts.services.browsing import all_tags, forecaster_index, search_questions
from forecasts.timeutils import utc_now
from forecasts.vocab import QuestionKind, QuestionStatus

__all__ = ["build_index_router"]

PER_PAGE = 50
_E = TypeVar("_E", QuestionStatus, QuestionKind)


def _choice(kind: type[_E], field: str, text: str) -> _E | None:
    if not text:
        return None
    try:
        return kind(text)
    except ValueError:
        known = ", ".join(member.value for member in kind)
        raise FieldError(field, f"'{text}' is not one of {known}") from None


def build_index_router(templates: Jinja2Templates) -> APIRouter:
    """The index routes, rendered with the pages' ``templates``."""
    router = APIRouter(include_in_schema=False)

    @router.get("/questions", response_class=HTMLResponse)
    def questions_index(
        request: Request,
        store: StoreDep,
        q: Annotated[str, Query(max_length=200)] = "",
        tag: Annotated[str, Query(max_length=100)] = "",
        status: Annotated[str, Query(max_length=20)] = "",
        kind: Annotated[str, Query(max_length=20)] = "",
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    ) -> HTMLResponse:
        filters = {"q": q, "tag": tag, "status": status, "kind": kind}
        context: dict[str, Any] = {
            "filters": filters,
            "tags": all_tags(store),
            "statuses": [s.value for s in QuestionStatus],
            "kinds": [k.value for k in QuestionKind],
            "result": None,
            "error": None,
        }
        try:
            context["result"] = search_questions(
                store,
                as_of=utc_now(),
                query=q,
                tag=tag or None,
                status=_choice(QuestionStatus, "status", status),
                kind=_choice(QuestionKind, "kind", kind),
                page=page,
                per_page=PER_PAGE,
            )
        except FieldError as exc:
            context["error"] = exc.message
        code = 400 if context["error"] else 200
        return templates.TemplateResponse(request, "questions.html", context, status_code=code)

    @router.get("/forecasters", response_class=HTMLResponse)
    def forecasters_index(request: Request, store: StoreDep) -> HTMLResponse:
        lines = forecaster_index(store)
        return templates.TemplateResponse(request, "forecasters.html", {"lines": lines})

    return router
