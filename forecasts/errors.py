"""Errors raised by the forecasts application.

The tree::

    ForecastsError                      root; everything below carries a one-line message
    ├── InputError (ValueError)         bad input from a user: exit 2 / HTTP 422
    │   ├── FieldError                  one field of one record is invalid
    │   ├── NotFoundError (LookupError) an id or handle that does not exist: exit 2 / HTTP 404
    │   ├── ConflictError               a duplicate id or handle: exit 2 / HTTP 409
    │   └── ImportFileError             an import file with invalid records (lists all of them)
    ├── OperationError                  an operation that failed: exit 1 / HTTP 500
    │   └── DatabaseError               the database refused or could not be reached
    └── LedgerIntegrityError            `verify` found the ledger or the rows altered: exit 1

Messages are built here from identifiers; the CLI and the API only translate them.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "ConflictError",
    "DatabaseError",
    "FieldError",
    "ForbiddenError",
    "ForecastsError",
    "ImportFileError",
    "InputError",
    "LedgerIntegrityError",
    "NotFoundError",
    "OperationError",
]


class ForecastsError(Exception):
    """Root of every error the application raises on purpose."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(ForecastsError, ValueError):
    """Input that cannot be accepted; nothing was written."""

    code = "invalid_input"


class FieldError(InputError):
    """One field of a record is invalid."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class NotFoundError(InputError, LookupError):
    """A referenced object does not exist."""

    code = "not_found"

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"no {kind} with id '{key}'")
        self.kind = kind
        self.key = key


class ConflictError(InputError):
    """An object with the same identity already exists."""

    code = "conflict"

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"a {kind} with id '{key}' already exists")
        self.kind = kind
        self.key = key


class ForbiddenError(InputError):
    """The person asking may not do this (e.g. resolve someone else's question)."""

    code = "forbidden"


class ImportFileError(InputError):
    """An import file holds invalid records; nothing was imported."""

    code = "invalid_import"

    def __init__(self, path: str, problems: Sequence[tuple[str, str]]) -> None:
        listed = "; ".join(f"{where}: {what}" for where, what in problems)
        super().__init__(f"{path}: {len(problems)} invalid record(s), nothing imported: {listed}")
        self.problems = list(problems)


class OperationError(ForecastsError):
    """An operation failed for a reason other than its input."""

    code = "operation_failed"


class LedgerIntegrityError(ForecastsError):
    """The ledger chain or the rows it describes were altered."""

    code = "ledger_integrity"


class DatabaseError(OperationError):
    """The database failed (unreachable, locked, a constraint); the message is its first line."""

    code = "database_error"
