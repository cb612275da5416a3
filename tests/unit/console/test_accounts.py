"""Accounts on a real (in-memory) SQLite database: lockout after repeated
failures, the same answer for every refusal, the audit log without passwords,
and the guards on an admin's own account."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from studybots.console import accounts, audit, model, sessions
from studybots.core import db

PASSWORD = "oikein-pitka-salasana"
T0 = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.timezone.utc)
LOCKOUT = accounts.Lockout(failures=5, minutes=15)


@pytest.fixture()
def engine():
    engine = db.engine("sqlite://")
    model.ensure_schema(engine)
    accounts.create(engine, "eero", ["editor"], PASSWORD, "test")
    accounts.create(engine, "paula", ["admin"], PASSWORD, "test")
    yield engine
    engine.dispose()


def entries(engine) -> list[audit.Entry]:
    with engine.connect() as connection:
        return list(reversed(audit.recent(connection)))


def login(engine, name, password, minutes=0):
    return accounts.authenticate(
        engine, name, password, LOCKOUT, T0 + dt.timedelta(minutes=minutes)
    )


def test_five_failures_lock_for_fifteen_minutes_even_the_right_password(engine):
    for attempt in range(4):
        assert login(engine, "eero", f"vaara-{attempt}") is None
    assert login(engine, "eero", PASSWORD) is not None  # four: not yet, and the count resets
    for attempt in range(5):
        assert login(engine, "eero", f"vaara-{attempt}") is None
    assert login(engine, "eero", PASSWORD, minutes=1) is None  # locked
    assert login(engine, "eero", PASSWORD, minutes=14) is None
    with engine.connect() as connection:
        locked = accounts.get(connection, "eero")
    assert locked.locked(T0 + dt.timedelta(minutes=14))
    assert login(engine, "eero", PASSWORD, minutes=16) is not None  # the lock has ended
    actions = [e.action for e in entries(engine) if e.account == "eero"]
    assert actions.count("login_locked") == 1 and actions[-1] == "login"


def test_a_lock_of_a_configured_length(engine):
    short = accounts.Lockout(failures=2, minutes=1)
    for _ in range(2):
        accounts.authenticate(engine, "eero", "vaara-salasana", short, T0)
    assert accounts.authenticate(engine, "eero", PASSWORD, short, T0) is None
    later = T0 + dt.timedelta(minutes=2)
    assert accounts.authenticate(engine, "eero", PASSWORD, short, later) is not None


def test_unknown_disabled_and_wrong_are_the_same_refusal_and_audited_without_passwords(engine):
    accounts.disable(engine, "eero", "paula")
    assert login(engine, "ei-ketaan", "salasana-ei-ketaan") is None
    assert login(engine, "eero", PASSWORD) is None
    assert login(engine, "paula", "vaara-salasana-paula") is None
    failed = [e for e in entries(engine) if e.action == "login_failed"]
    assert [e.account for e in failed] == [None, "eero", "paula"]
    text = repr(entries(engine))
    for secret in ("salasana-ei-ketaan", PASSWORD, "vaara-salasana-paula", "ei-ketaan"):
        assert secret not in text


def test_an_admin_cannot_remove_their_own_admin_role_or_disable_themselves(engine):
    with pytest.raises(accounts.AccountError):
        accounts.set_roles(engine, "paula", ["editor"], "paula")
    with pytest.raises(accounts.AccountError):
        accounts.disable(engine, "paula", "paula")
    assert accounts.set_roles(engine, "eero", ["analyst", "editor"], "paula").roles == (
        "editor",
        "analyst",
    )
    with pytest.raises(accounts.AccountError, match="Tuntematon rooli"):
        accounts.set_roles(engine, "eero", ["root"], "paula")


def test_disabling_or_a_new_password_ends_the_accounts_sessions(engine):
    with engine.connect() as connection:
        eero = accounts.get(connection, "eero")
    token = sessions.create(engine, eero.id)
    assert sessions.lookup(engine, token) is not None
    accounts.set_password(engine, "eero", "toinen-pitka-salasana", "paula")
    assert sessions.lookup(engine, token) is None
    token = sessions.create(engine, eero.id)
    accounts.disable(engine, "eero", "paula")
    assert sessions.lookup(engine, token) is None
    with engine.connect() as connection:
        count = connection.execute(sa.select(sa.func.count()).select_from(model.session))
        assert count.scalar_one() == 0
