"""A conversation whose lock holder died (a replica or worker killed while it
answered) takes messages again once the holder's ticket expires, in both lock
stores: the next message waits at most the lock's lifetime, never for ever."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from studybots.bot.lock_store import RedisUrlLockStore, SQLLockStore

KEY = b"lock-expiry-test-key"


def stores(tmp_path):
    return {
        "sql": SQLLockStore(url=f"sqlite:///{tmp_path / 'locks.db'}", key=KEY),
        "redis": RedisUrlLockStore(
            url="redis://127.0.0.1:6379/0", key_prefix=f"test-{uuid.uuid4().hex[:8]}", key=KEY
        ),
    }


@pytest.mark.parametrize("kind", ["sql", "redis"])
def test_the_next_message_gets_the_lock_of_a_dead_holder_after_its_lifetime(tmp_path, kind):
    store = stores(tmp_path)[kind]
    conversation = f"student-{uuid.uuid4().hex}"
    store.issue_ticket(conversation, 1.0)  # the killed process's ticket, never cleaned up

    async def next_message() -> float:
        started = time.monotonic()
        # Issued within the same poll as the dead ticket: both expire before
        # the next look (Rasa's own rule then waited for ever).
        async with store.lock(conversation, lock_lifetime=1.0, wait_time_in_seconds=1.0):
            return time.monotonic() - started

    waited = asyncio.run(asyncio.wait_for(next_message(), 10))
    assert 0.9 <= waited < 4


@pytest.mark.parametrize("kind", ["sql", "redis"])
def test_a_live_holder_still_keeps_the_next_message_waiting(tmp_path, kind):
    store = stores(tmp_path)[kind]
    conversation = f"student-{uuid.uuid4().hex}"

    async def scenario() -> list[str]:
        order: list[str] = []

        async def first() -> None:
            async with store.lock(conversation, lock_lifetime=30, wait_time_in_seconds=0.1):
                order.append("first in")
                await asyncio.sleep(1.0)
                order.append("first out")

        async def second() -> None:
            await asyncio.sleep(0.2)
            async with store.lock(conversation, lock_lifetime=30, wait_time_in_seconds=0.1):
                order.append("second in")

        await asyncio.gather(first(), second())
        return order

    assert asyncio.run(scenario()) == ["first in", "first out", "second in"]
