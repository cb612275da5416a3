"""The production lock store on the real Redis (127.0.0.1:6379): keys and
stored locks hold pseudonyms only, never the conversation id."""

from __future__ import annotations

import secrets

import redis

from studybots.bot.lock_store import RedisUrlLockStore

KEY = b"redis-lock-test-key"


def test_redis_locks_are_stored_under_pseudonyms():
    prefix = f"sbtest{secrets.token_hex(4)}"
    conversation = f"U0SLACK{secrets.token_hex(4).upper()}"
    store = RedisUrlLockStore(url="redis://127.0.0.1:6379/0", key_prefix=prefix, key=KEY)
    raw = redis.Redis(host="127.0.0.1", port=6379, db=0)
    try:
        first = store.issue_ticket(conversation, lock_lifetime=60)
        second = store.issue_ticket(conversation, lock_lifetime=60)
        assert second == first + 1
        lock = store.get_lock(conversation)
        assert lock.conversation_id == conversation and lock.is_locked(second)
        keys = [k.decode() for k in raw.keys(f"{prefix}*")]
        assert len(keys) == 1 and conversation not in keys[0]
        assert store.stored_id(conversation) in keys[0]
        assert conversation.encode() not in raw.get(keys[0])
        store.finish_serving(conversation, first)
        store.cleanup(conversation, second)
        assert store.get_lock(conversation) is None and raw.keys(f"{prefix}*") == []
    finally:
        for k in raw.keys(f"{prefix}*"):
            raw.delete(k)
        raw.close()
