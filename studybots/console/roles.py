"""The console's roles and what each may do.

editor: the inbox and the tables; publisher: publish and roll back;
analyst: the usage report only; admin: the accounts and the audit log.
An account may have several roles; every route names the permission it
needs and the server checks it on every request (web.py).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["PERMISSIONS", "ROLES", "allowed", "normalise"]

ROLES = ("editor", "publisher", "analyst", "admin")

# role -> the permissions it grants (names of the console's functions).
PERMISSIONS: dict[str, frozenset[str]] = {
    "editor": frozenset({"inbox", "tables"}),
    "publisher": frozenset({"publish", "rollback"}),
    "analyst": frozenset({"report"}),
    "admin": frozenset({"accounts", "audit"}),
}


def normalise(roles: Iterable[str]) -> tuple[str, ...]:
    """Known roles, once each, in ROLES order; an unknown one is an error."""
    given = {r.strip() for r in roles if r.strip()}
    unknown = given - set(ROLES)
    if unknown:
        raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}")
    return tuple(r for r in ROLES if r in given)


def allowed(roles: Iterable[str], permission: str) -> bool:
    return any(permission in PERMISSIONS.get(role, frozenset()) for role in roles)
