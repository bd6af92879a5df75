"""Compiling the page templates ahead of the first request (servers only)."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi.templating import Jinja2Templates
from jinja2 import meta

__all__ = ["preload_templates"]


def preload_templates(templates: Jinja2Templates, names: Iterable[str]) -> None:
    """Compile the templates ``names`` (those rendered with ``templates``) and those they
    extend, include or import, now, after their filters are registered (the compiler
    checks them): the first visitor of a page then does not wait ~150 ms for it.

    A server's templates are those installed with it, so it stops checking their files'
    times on every render (a few ``stat`` calls per page)."""
    env = templates.env
    env.auto_reload = False
    pending, seen = list(names), set[str]()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        env.get_template(name)
        assert env.loader is not None
        source = env.loader.get_source(env, name)[0]
        referenced = meta.find_referenced_templates(env.parse(source))
        pending.extend(ref for ref in referenced if ref is not None)
