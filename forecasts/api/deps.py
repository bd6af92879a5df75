"""FastAPI dependencies as ``Annotated`` aliases: the store, and who a bearer token speaks for."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from forecasts.services.ledger import Store
from forecasts.services.tokens import Principal, authenticate

__all__ = ["AdminDep", "AuthDep", "StoreDep", "get_principal", "get_store", "require_admin"]

# auto_error=False: a missing header is answered by us, in the documented error shape.
_bearer = HTTPBearer(auto_error=False, description="A token from `forecasts token create`.")


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]


def get_principal(
    store: StoreDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The token's principal; 401 (with ``WWW-Authenticate: Bearer``) when missing or unknown."""
    principal = None if credentials is None else authenticate(store, credentials.credentials)
    if principal is None:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail={
                "code": "unauthorized",
                "message": "writes need a valid bearer token (forecasts token create)",
            },
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


AuthDep = Annotated[Principal, Depends(get_principal)]


def forbidden(message: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_403_FORBIDDEN, detail={"code": "forbidden", "message": message}
    )


def require_admin(principal: AuthDep) -> Principal:
    """403 unless the token is an admin token."""
    if not principal.is_admin:
        raise forbidden("this needs an admin token")
    return principal


AdminDep = Annotated[Principal, Depends(require_admin)]
