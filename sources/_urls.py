"""URL parsing kept per string, shared by spec checks, request keys and the fetcher."""

from __future__ import annotations

import functools

import httpx

__all__ = ["parsed_url"]


@functools.lru_cache(maxsize=16384)
def parsed_url(url: str) -> httpx.URL:
    """``httpx.URL(url)``, parsed once per string (``httpx.InvalidURL`` is raised every time).

    Parsing is a pure function of the string, and a sweep parses each URL once to check the
    spec, once to key the request and once to send it: a good part of its CPU per URL.
    ``httpx.URL`` is immutable, so one object can serve every caller and thread. Nothing about
    the host's addresses is kept: the guard resolves and checks every hop and connection.
    """
    return httpx.URL(url)
