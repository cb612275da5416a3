"""Sessions: only the token's hash is stored, idle and absolute timeouts, and
a CSRF token tied to its session."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from studybots.console import accounts, model, sessions
from studybots.core import db

T0 = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.timezone.utc)
TIMEOUTS = sessions.Timeouts(idle=dt.timedelta(minutes=30), absolute=dt.timedelta(hours=8))


@pytest.fixture()
def engine():
    engine = db.engine("sqlite://")
    model.ensure_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture()
def account(engine):
    return accounts.create(engine, "eero", ["editor"], None, "test")


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def test_only_a_hash_of_the_token_is_stored(engine, account):
    token = sessions.create(engine, account.id, T0)
    with engine.connect() as connection:
        stored = connection.execute(sa.select(model.session.c.token_hash)).scalar_one()
    assert stored == sessions.token_hash(token) and token not in stored
    assert sessions.lookup(engine, stored, TIMEOUTS, at(1)) is None  # the hash signs nobody in
    assert sessions.lookup(engine, token, TIMEOUTS, at(1)).name == "eero"


def test_a_session_ends_after_the_idle_timeout(engine, account):
    token = sessions.create(engine, account.id, T0)
    assert sessions.lookup(engine, token, TIMEOUTS, at(29)) is not None
    assert sessions.lookup(engine, token, TIMEOUTS, at(58)) is not None  # used at 29
    assert sessions.lookup(engine, token, TIMEOUTS, at(89)) is None
    assert sessions.lookup(engine, token, TIMEOUTS, at(90)) is None  # and it is gone


def test_a_session_ends_after_the_absolute_timeout_however_busy(engine, account):
    token = sessions.create(engine, account.id, T0)
    for minute in range(0, 8 * 60, 20):
        assert sessions.lookup(engine, token, TIMEOUTS, at(minute)) is not None
    assert sessions.lookup(engine, token, TIMEOUTS, at(8 * 60 + 1)) is None


def test_logout_deletes_the_session_and_purge_the_expired_ones(engine, account):
    token = sessions.create(engine, account.id, T0)
    sessions.delete(engine, token)
    assert sessions.lookup(engine, token, TIMEOUTS, at(1)) is None
    sessions.create(engine, account.id, T0)
    kept = sessions.create(engine, account.id, at(60))
    assert sessions.purge(engine, TIMEOUTS, at(61)) == 1
    assert sessions.lookup(engine, kept, TIMEOUTS, at(62)) is not None


def test_the_csrf_token_belongs_to_its_session():
    one, two = sessions.new_token(), sessions.new_token()
    assert sessions.csrf_matches(sessions.csrf_token(one), sessions.csrf_token(one))
    assert not sessions.csrf_matches(sessions.csrf_token(one), sessions.csrf_token(two))
    assert not sessions.csrf_matches(sessions.csrf_token(one), None)
    assert not sessions.csrf_matches(sessions.csrf_token(one), "")
    assert sessions.csrf_token(one) != sessions.token_hash(one)  # not computable from the table
