"""Accounts: create, change roles, disable, enable, unlock, set a password,
and sign in with a password, with lockout.

Sign-in gives the same answer (None) for an unknown name, a disabled account,
a locked account and a wrong password, and takes as long in each case (an
unknown name is verified against a dummy hash). After `failures` wrong
passwords in a row an account is locked for `minutes`; attempts while it is
locked are refused without checking the password and do not extend the lock.
Every outcome goes to the audit log, never the password.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa

from studybots.console import audit, model, passwords
from studybots.console.roles import normalise

__all__ = [
    "Account",
    "AccountError",
    "Lockout",
    "authenticate",
    "create",
    "disable",
    "enable",
    "everyone",
    "get",
    "set_password",
    "set_roles",
    "unlock",
]

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,199}$")


class AccountError(ValueError):
    """An account change that cannot be done (the message is for the user, in Finnish)."""


@dataclass(frozen=True)
class Lockout:
    failures: int = 5
    minutes: int = 15


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    roles: tuple[str, ...]
    has_password: bool
    failed_logins: int
    locked_until: dt.datetime | None
    created: dt.datetime
    disabled: dt.datetime | None

    def locked(self, now: dt.datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or model.now())


def _account(row: sa.engine.RowMapping) -> Account:
    return Account(
        id=row["id"],
        name=row["name"],
        roles=tuple(row["roles"].split()),
        has_password=bool(row["password_hash"]),
        failed_logins=row["failed_logins"],
        locked_until=model.as_utc(row["locked_until"]) if row["locked_until"] else None,
        created=model.as_utc(row["created"]),
        disabled=model.as_utc(row["disabled"]) if row["disabled"] else None,
    )


def check_name(name: str) -> str:
    name = name.strip()
    if not NAME.match(name):
        raise AccountError(
            "Tunnuksessa saa olla kirjaimia a–z, numeroita ja merkit . _ @ + -, "
            "enintään 200 merkkiä, ja sen on alettava kirjaimella tai numerolla."
        )
    return name


def _roles(roles: list[str] | tuple[str, ...]) -> str:
    try:
        return " ".join(normalise(roles))
    except ValueError:
        raise AccountError("Tuntematon rooli.") from None


def get(connection: sa.engine.Connection, name: str) -> Account | None:
    row = (
        connection.execute(sa.select(model.account).where(model.account.c.name == name))
        .mappings()
        .first()
    )
    return _account(row) if row else None


def by_id(connection: sa.engine.Connection, account_id: int) -> Account | None:
    row = (
        connection.execute(sa.select(model.account).where(model.account.c.id == account_id))
        .mappings()
        .first()
    )
    return _account(row) if row else None


def everyone(connection: sa.engine.Connection) -> list[Account]:
    rows = connection.execute(sa.select(model.account).order_by(model.account.c.name)).mappings()
    return [_account(r) for r in rows]


def _existing(connection: sa.engine.Connection, name: str) -> Account:
    found = get(connection, name)
    if found is None:
        raise AccountError("Tunnusta ei ole.")
    return found


def create(
    engine: sa.engine.Engine,
    name: str,
    roles: list[str] | tuple[str, ...],
    password: str | None,
    actor: str | None,
) -> Account:
    """A new account; `password` None: it signs in only through OpenID Connect."""
    name = check_name(name)
    role_text = _roles(roles)
    hashed = None
    if password is not None:
        try:
            hashed = passwords.hash_password(password)
        except passwords.PasswordError as exc:
            raise AccountError(str(exc)) from None
    with engine.begin() as connection:
        if get(connection, name) is not None:
            raise AccountError("Tunnus on jo olemassa.")
        connection.execute(
            sa.insert(model.account).values(
                name=name,
                roles=role_text,
                password_hash=hashed,
                failed_logins=0,
                created=model.now(),
            )
        )
        audit.record(connection, "account_created", actor, f"{name}: roolit {role_text or '-'}")
        created = get(connection, name)
    assert created is not None
    return created


def set_roles(
    engine: sa.engine.Engine, name: str, roles: list[str] | tuple[str, ...], actor: str | None
) -> Account:
    role_text = _roles(roles)
    with engine.begin() as connection:
        before = _existing(connection, name)
        if actor == name and "admin" in before.roles and "admin" not in role_text.split():
            raise AccountError("Et voi poistaa omaa ylläpitäjän rooliasi.")
        if " ".join(before.roles) != role_text:
            connection.execute(
                sa.update(model.account)
                .where(model.account.c.id == before.id)
                .values(roles=role_text)
            )
            audit.record(
                connection,
                "roles_changed",
                actor,
                f"{name}: {' '.join(before.roles) or '-'} -> {role_text or '-'}",
            )
        return _existing(connection, name)


def disable(engine: sa.engine.Engine, name: str, actor: str | None) -> Account:
    """Disable an account and end its sessions."""
    with engine.begin() as connection:
        before = _existing(connection, name)
        if actor == name:
            raise AccountError("Et voi poistaa omaa tunnustasi käytöstä.")
        if before.disabled is None:
            connection.execute(
                sa.update(model.account)
                .where(model.account.c.id == before.id)
                .values(disabled=model.now())
            )
            connection.execute(
                sa.delete(model.session).where(model.session.c.account_id == before.id)
            )
            audit.record(connection, "account_disabled", actor, name)
        return _existing(connection, name)


def enable(engine: sa.engine.Engine, name: str, actor: str | None) -> Account:
    with engine.begin() as connection:
        before = _existing(connection, name)
        if before.disabled is not None:
            connection.execute(
                sa.update(model.account)
                .where(model.account.c.id == before.id)
                .values(disabled=None, failed_logins=0, locked_until=None)
            )
            audit.record(connection, "account_enabled", actor, name)
        return _existing(connection, name)


def unlock(engine: sa.engine.Engine, name: str, actor: str | None) -> Account:
    with engine.begin() as connection:
        before = _existing(connection, name)
        connection.execute(
            sa.update(model.account)
            .where(model.account.c.id == before.id)
            .values(failed_logins=0, locked_until=None)
        )
        audit.record(connection, "account_unlocked", actor, name)
        return _existing(connection, name)


def set_password(engine: sa.engine.Engine, name: str, password: str, actor: str | None) -> None:
    """A new password (the policy is checked); the account's sessions end."""
    try:
        hashed = passwords.hash_password(password)
    except passwords.PasswordError as exc:
        raise AccountError(str(exc)) from None
    with engine.begin() as connection:
        before = _existing(connection, name)
        connection.execute(
            sa.update(model.account)
            .where(model.account.c.id == before.id)
            .values(password_hash=hashed, failed_logins=0, locked_until=None)
        )
        connection.execute(sa.delete(model.session).where(model.session.c.account_id == before.id))
        audit.record(connection, "password_set", actor, name)


def authenticate(
    engine: sa.engine.Engine,
    name: str,
    password: str,
    lockout: Lockout = Lockout(),
    now: dt.datetime | None = None,
) -> Account | None:
    """The account, when `password` is its password and it may sign in; else None."""
    now = now or model.now()
    with engine.connect() as connection:
        found = get(connection, name.strip())
    if found is None or found.disabled is not None or found.locked(now):
        passwords.verify(password, passwords.dummy_hash())  # the same time as a real check
        with engine.begin() as connection:
            if found is None:
                audit.record(connection, "login_failed", None, "tuntematon tunnus", now)
            elif found.disabled is not None:
                audit.record(connection, "login_failed", found.name, "tunnus ei käytössä", now)
            else:
                audit.record(connection, "login_failed", found.name, "tunnus lukittu", now)
        return None
    with engine.connect() as connection:
        stored = connection.execute(
            sa.select(model.account.c.password_hash).where(model.account.c.id == found.id)
        ).scalar_one()
    if not passwords.verify(password, stored):
        with engine.begin() as connection:
            # One statement, so that attempts at the same moment all count.
            connection.execute(
                sa.update(model.account)
                .where(model.account.c.id == found.id)
                .values(failed_logins=model.account.c.failed_logins + 1)
            )
            failures = connection.execute(
                sa.select(model.account.c.failed_logins).where(model.account.c.id == found.id)
            ).scalar_one()
            audit.record(
                connection, "login_failed", found.name, f"väärä salasana ({failures}.)", now
            )
            if failures >= lockout.failures:
                connection.execute(
                    sa.update(model.account)
                    .where(model.account.c.id == found.id)
                    .values(
                        failed_logins=0, locked_until=now + dt.timedelta(minutes=lockout.minutes)
                    )
                )
                audit.record(
                    connection,
                    "login_locked",
                    found.name,
                    f"{failures} väärää salasanaa: lukittu {lockout.minutes} min",
                    now,
                )
        return None
    with engine.begin() as connection:
        values: dict[str, object] = {"failed_logins": 0, "locked_until": None}
        if stored and passwords.needs_rehash(stored):
            try:
                values["password_hash"] = passwords.hash_password(password)
            except passwords.PasswordError:  # set under an older policy: kept until changed
                pass
        connection.execute(
            sa.update(model.account).where(model.account.c.id == found.id).values(**values)
        )
        audit.record(connection, "login", found.name, "salasana", now)
        signed_in = get(connection, found.name)
    return signed_in
