"""Web sign-in: passwords (argon2), who is signed in, and the key that signs sessions."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from forecasts.db import web as _rows
from forecasts.db.store import Store
from forecasts.errors import FieldError, NotFoundError

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "Account",
    "account_of",
    "session_secret",
    "set_password",
    "sign_in",
]

MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class Account:
    """A signed-in forecaster. ``version`` changes with the password, so setting a new
    password ends the sessions signed in with the old one."""

    handle: str
    admin: bool
    version: str


def _account(row: _rows.StoredAccount) -> Account:
    version = hashlib.sha256(row.password_hash.encode("utf-8")).hexdigest()[:16]
    return Account(handle=row.handle, admin=row.admin, version=version)


def set_password(
    store: Store, handle: str, password: str, *, admin: bool = False, as_of: datetime
) -> Account:
    """Set (or replace) ``handle``'s password, stored as an argon2id hash only."""
    from argon2 import PasswordHasher

    if store.forecaster(handle) is None:
        raise NotFoundError("forecaster", handle)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise FieldError("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if password != password.strip():
        raise FieldError("password", "must not start or end with white space")
    _rows.put_account(
        store, handle, password_hash=PasswordHasher().hash(password), admin=admin, as_of=as_of
    )
    row = _rows.account(store, handle)
    assert row is not None
    return _account(row)


def sign_in(store: Store, handle: str, password: str) -> Account | None:
    """The account when the password is right; None otherwise (no hint which part was wrong)."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    row = _rows.account(store, handle)
    hasher = PasswordHasher()
    if row is None:
        # Spend the same time as a real check, so timing does not tell who has an account.
        hasher.hash(password)
        return None
    try:
        hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return _account(row)


def account_of(store: Store, handle: str) -> Account | None:
    row = _rows.account(store, handle)
    return None if row is None else _account(row)


def session_secret(store: Store, configured: str | None) -> str:
    """The configured key, or the one generated for this database on first use (kept, so
    sessions survive restarts and every server process of the database agrees)."""
    if configured:
        return configured
    return _rows.secret(store, "session", secrets.token_urlsafe(48))
