"""The channels' rate limiter: token buckets in SQL, shared by processes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from studybots.bot.channels import limits
from studybots.bot.channels.limits import RateLimiter, client_address, per_minute_from_env
from studybots.core.settings import PROJECT_ROOT

KEY = b"test-key"


class Clock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def limiter(tmp_path, clock, **per_minute) -> RateLimiter:
    return RateLimiter(f"sqlite:///{tmp_path / 'tracker.db'}", per_minute, key=KEY, clock=clock)


def test_a_burst_of_n_then_one_every_60_over_n_seconds(tmp_path):
    clock = Clock()
    rl = limiter(tmp_path, clock, sender=6)
    assert [rl.check(sender="a").allowed for _ in range(7)] == [True] * 6 + [False]
    refused = rl.check(sender="a")
    assert refused.limit == "sender" and 9.9 < refused.retry_after <= 10.0
    assert rl.check(sender="b").allowed  # another conversation has its own bucket
    clock.now += 10.0  # 6 per minute: one token every 10 s
    assert rl.check(sender="a").allowed
    assert not rl.check(sender="a").allowed
    clock.now += 3600  # refills to the burst size, not beyond
    assert sum(rl.check(sender="a").allowed for _ in range(10)) == 6


def test_refused_message_takes_no_token_from_any_bucket(tmp_path):
    clock = Clock()
    rl = limiter(tmp_path, clock, sender=3, ip=4)
    for n in range(4):
        assert rl.check(sender=f"s{n}", ip="10.0.0.1").allowed
    refused = rl.check(sender="s0", ip="10.0.0.1")
    assert not refused.allowed and refused.limit == "ip"
    # s0 used one token; the refused message did not take a second one.
    assert [rl.check(sender="s0", ip="10.0.0.2").allowed for _ in range(3)] == [True, True, False]


def test_zero_turns_a_limit_off_and_bad_values_are_refused():
    assert per_minute_from_env({}) == {"sender": 30.0, "ip": 300.0}
    assert per_minute_from_env({limits.SENDER_ENV: "0", limits.IP_ENV: "12"}) == {"ip": 12.0}
    for bad in ("many", "-1", "nan"):
        with pytest.raises(ValueError, match=limits.SENDER_ENV):
            per_minute_from_env({limits.SENDER_ENV: bad})


def test_unlimited_kinds_pass(tmp_path):
    rl = limiter(tmp_path, Clock(), ip=1)
    assert all(rl.check(sender="a").allowed for _ in range(5))
    assert rl.check(sender="a", ip=None).allowed


def test_no_sender_id_or_address_is_stored(tmp_path):
    rl = limiter(tmp_path, Clock(), sender=5, ip=5)
    rl.check(sender="matti.meikalainen@example.fi", ip="192.0.2.44")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    with engine.connect() as connection:
        rows = [r.bucket for r in connection.execute(sa.select(limits.buckets.c.bucket))]
    assert len(rows) == 2 and all(r.split(":")[0] in ("sender", "ip") for r in rows)
    assert not any("matti" in r or "192.0.2" in r for r in rows)


def test_idle_buckets_are_pruned(tmp_path):
    clock = Clock()
    rl = limiter(tmp_path, clock, sender=5)
    for n in range(5):
        rl.check(sender=f"s{n}")
    clock.now += limits.IDLE_SECONDS + limits.PRUNE_EVERY_SECONDS + 1
    rl.check(sender="new")
    with rl.engine.connect() as connection:
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(limits.buckets)).scalar() == 1
        )


def test_database_failure_lets_messages_through(tmp_path):
    rl = limiter(tmp_path, Clock(), sender=1)
    with rl.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE rate_limit_buckets"))
    assert rl.check(sender="a").allowed and rl.check(sender="a").allowed


def test_limit_holds_across_processes(tmp_path):
    """Four processes (like the bot's Sanic workers) share one limit of 25."""
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    RateLimiter(url, {"sender": 25}, key=KEY)  # creates the table
    script = textwrap.dedent(f"""
        from studybots.bot.channels.limits import RateLimiter
        rl = RateLimiter({url!r}, {{"sender": 25}}, key={KEY!r}, clock=lambda: 5000.0)
        print(sum(rl.check(sender="one", ip="10.0.0.1").allowed for _ in range(20)))
    """)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT
        )
        for _ in range(4)
    ]
    allowed = [int(w.communicate(timeout=120)[0]) for w in workers]
    assert all(w.returncode == 0 for w in workers)
    assert sum(allowed) == 25, allowed


def test_in_memory_fallback_works_from_worker_threads():
    import asyncio

    rl = RateLimiter("sqlite://", {"sender": 2}, key=KEY)

    async def three():
        return [(await rl.acheck(sender="x")).allowed for _ in range(3)]

    assert asyncio.run(three()) == [True, True, False]


@pytest.mark.parametrize(
    "remote_addr,ip,expected",
    [
        ("", "192.0.2.7", "192.0.2.7"),
        ("198.51.100.9", "127.0.0.1", "198.51.100.9"),  # proxy header trusted by Sanic
        ("", "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("", "::ffff:192.0.2.7", "192.0.2.7"),
        ("", "", "unknown"),
    ],
)
def test_client_address(remote_addr, ip, expected):
    assert client_address(SimpleNamespace(remote_addr=remote_addr, ip=ip)) == expected


def test_429_response_is_finnish_and_english():
    response = limits.too_many_requests(limits.Decision(False, "sender", 4.2))
    assert response.status == 429 and response.headers["Retry-After"] == "5"
    body = json.loads(response.body)
    assert body["error"] == "rate_limited" and "5 s" in body["message"]
    assert "Odota" in body["message"] and "wait" in body["message_en"]


def test_students_starting_together_on_postgresql_are_not_refused():
    """Many workers take their first token from one new bucket at the same
    moment (every student behind one proxy address): none may get a 429. The
    chaos benchmark's first seconds showed a few, from a row that another
    worker committed between this worker's UPDATE and its existence check."""
    import threading

    from tests.support.workspace import postgres_databases

    with postgres_databases(("limits",)) as names:
        url = f"postgresql://postgres@127.0.0.1:5432/{names['limits']}"
        workers = [RateLimiter(url, {"ip": 100000}, key=KEY) for _ in range(12)]
        refused: list[str] = []
        try:
            for round_ in range(15):
                barrier = threading.Barrier(len(workers))

                def first_message(
                    rl: RateLimiter,
                    address: str = f"10.0.1.{round_}",
                    barrier: threading.Barrier = barrier,
                ) -> None:
                    barrier.wait()
                    if not rl.check(ip=address).allowed:
                        refused.append(address)

                threads = [threading.Thread(target=first_message, args=(w,)) for w in workers]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(30)
        finally:
            for w in workers:
                w.engine.dispose()
        assert refused == []
