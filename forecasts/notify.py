"""Reminder transports (the outer ring): email over SMTP and Slack-compatible webhooks.

Each raises :class:`~forecasts.services.reminders.SendError` naming the recipient when a
message is not accepted, so the reminder pass records a failure and tries again later.
Built from settings by :func:`build_channels`; nothing connects until a message is sent.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from urllib.parse import urlsplit

import httpx

from forecasts.services.reminders import EMAIL, WEBHOOK, Channel, Message, SendError
from forecasts.settings import Settings

__all__ = ["SmtpChannel", "WebhookChannel", "build_channels", "close_channels"]

_TIMEOUT = 20.0


class SmtpChannel:
    """One SMTP connection per message (reminder passes send few; no idle connection kept)."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout: float = _TIMEOUT,
    ) -> None:
        self._host, self._port, self._sender = host, port, sender
        self._login = (username, password) if username and password else None
        self._starttls, self._timeout = starttls, timeout

    def send(self, recipient: str, message: Message) -> None:
        try:
            mail = EmailMessage()
            mail["From"] = self._sender
            mail["To"] = recipient
            mail["Subject"] = message.subject
            mail.set_content(message.text)
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                if self._starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self._login is not None:
                    smtp.login(*self._login)
                smtp.send_message(mail)
        except (OSError, ValueError, smtplib.SMTPException) as exc:
            raise SendError(f"email to {recipient}: {type(exc).__name__}: {exc}") from None


class WebhookChannel:
    """POSTs ``{"text": ...}``; any 2xx is delivery. Bounded: timeouts, no redirects, one
    connection per host, and the response body is never read."""

    def __init__(
        self, *, timeout: float = _TIMEOUT, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(max_connections=4, max_keepalive_connections=0),
            follow_redirects=False,
            transport=transport,
        )

    def send(self, recipient: str, message: Message) -> None:
        where = _host_of(recipient)  # webhook URLs carry secrets: name only the host
        try:
            with self._client.stream("POST", recipient, json={"text": message.text}) as reply:
                status = reply.status_code
        except httpx.HTTPError as exc:
            raise SendError(f"webhook {where}: {type(exc).__name__}") from None
        if not 200 <= status < 300:
            raise SendError(f"webhook {where}: HTTP {status}")

    def close(self) -> None:
        self._client.close()


def _host_of(url: str) -> str:
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def build_channels(settings: Settings) -> dict[str, Channel]:
    """The transports the settings configure: webhooks always, email when SMTP is set."""
    channels: dict[str, Channel] = {WEBHOOK: WebhookChannel()}
    if settings.smtp_host and settings.smtp_from:
        password = settings.smtp_password
        channels[EMAIL] = SmtpChannel(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            username=settings.smtp_username,
            password=None if password is None else password.get_secret_value(),
            starttls=settings.smtp_starttls,
        )
    return channels


def close_channels(channels: Mapping[str, Channel]) -> None:
    for channel in channels.values():
        if isinstance(channel, WebhookChannel):
            channel.close()
