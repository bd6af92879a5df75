"""A minimal client for OpenAI-compatible chat-completions endpoints (llama.cpp, vLLM, ...).

Kept apart from the engine so the engine stays testable without HTTP and the HTTP stays
small: one POST to ``{base_url}/chat/completions``, errors turned into one-line messages.
"""

from __future__ import annotations

from typing import Any

import httpx

from forecasts.errors import OperationError

__all__ = ["ChatClient", "LlmError"]


class LlmError(OperationError):
    """The endpoint failed or answered something that is not a chat completion."""


class ChatClient:
    """Sends chat messages to ``base_url`` and returns the first choice's content."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout: float = 120.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers=headers,
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def complete(self, messages: list[dict[str, str]]) -> str:
        """The assistant's reply to ``messages`` (asked for a JSON object, temperature 0)."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": 0,
            "response_format": {"type": "json_object"},
        }
        url = f"{self.base_url}/chat/completions"
        try:
            response = self._client.post(url, json=body)
        except httpx.TimeoutException:
            raise LlmError(f"llm: {url} timed out") from None
        except httpx.HTTPError as exc:
            raise LlmError(f"llm: {url} failed ({type(exc).__name__}: {exc})") from None
        if response.status_code != 200:
            raise LlmError(f"llm: {url} answered HTTP {response.status_code}")
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise LlmError(f"llm: {url} did not answer a chat completion") from None
        if not isinstance(content, str):
            raise LlmError(f"llm: {url} answered no message content")
        return content
