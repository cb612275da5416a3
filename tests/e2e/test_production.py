"""The production profile under faults: PostgreSQL, Redis, RabbitMQ, nginx replicas.

Two replicas of each bot behind nginx share conversations (PostgreSQL tracker
store) and locks (Redis); the question log goes through RabbitMQ to the
consumer and into PostgreSQL. Each fault is real: a killed process, or every
connection to a service cut through a TCP proxy (what clients see while the
service restarts). Under CI=true a missing service fails the run.
"""

from __future__ import annotations

import dataclasses
import gzip
import os
import signal
import time
import urllib.request
import uuid

import pytest
import sqlalchemy as sa

from studybots.privacy.pseudonyms import load_key, pseudonym
from studybots.questionlog.model import make_log_engine, message_log
from studybots.training.model_files import content_digest, model_path
from tests.support.chat import Load, health, post, run_tool, say, texts, wait_for
from tests.support.services import PG, RABBIT, require
from tests.support.tcp_proxy import TcpProxy

REDIS = ("127.0.0.1", 6379)
FAILURE = "Yritä hetken päästä uudelleen"


@pytest.fixture(scope="module")
def prod(tmp_path_factory, models_dir):
    from studybots.ops import supervisor
    from studybots.ops.balancer import nginx_binary
    from studybots.ops.restart import Supervisor
    from tests.support import workspace

    for address, name in ((PG, "PostgreSQL"), (REDIS, "Redis"), (RABBIT, "RabbitMQ")):
        require(address, name)
    if nginx_binary() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is not installed (make install installs it)")
        pytest.skip("nginx not installed")

    # The tero tracker, the log database and RabbitMQ are reached through
    # proxies the tests cut; paavo's tracker directly.
    pg_proxy, rabbit_proxy = TcpProxy(PG), TcpProxy(RABBIT)
    pg_proxy.start()
    rabbit_proxy.start()
    direct = "postgresql://postgres@127.0.0.1:5432"
    ws = workspace.create(tmp_path_factory.mktemp("production"), models_dir)
    with workspace.production(
        ws,
        bots_pg=direct,
        log_pg=f"postgresql://postgres@127.0.0.1:{pg_proxy.port}",
        amqp=f"amqp://guest:guest@127.0.0.1:{rabbit_proxy.port}/",
    ) as prod_ws:
        settings = prod_ws.settings
        tero_direct = dict(settings.trackers)["tero"]
        settings = dataclasses.replace(
            settings,
            trackers=(
                (
                    "tero",
                    tero_direct.replace(direct, f"postgresql://postgres@127.0.0.1:{pg_proxy.port}"),
                ),
                ("paavo", dict(settings.trackers)["paavo"]),
            ),
        )
        logs = ws.root / "logs"
        logs.mkdir()
        specs = supervisor.server_specs(
            settings, models_dir=settings.models_dir, with_web=False, log_dir=logs
        )
        watcher = Supervisor(specs)  # the supervisor of `make run`: restarts what dies
        watcher.start()
        watcher.run_in_background()
        try:
            yield {
                "settings": settings,
                "supervisor": watcher,
                "env": prod_ws.env,
                "servers": {s.name: s for s in specs},
                "pg": pg_proxy,
                "rabbit": rabbit_proxy,
                "tero_tracker": tero_direct,
                "log_url": settings.log_url.replace(f":{pg_proxy.port}/", ":5432/"),
                "key": load_key(settings.var_dir / "log.key"),
                "logs": logs,
                "original": models_dir / "tero.tar.gz",
                "root": ws.root,
            }
        finally:
            watcher.stop()
            pg_proxy.stop()
            rabbit_proxy.stop()


def logged(prod, conversation: str) -> list[dict]:
    engine = make_log_engine(prod["log_url"])
    try:
        with engine.connect() as c:
            return [
                dict(r._mapping)
                for r in c.execute(
                    sa.select(message_log)
                    .where(message_log.c.conversation == conversation)
                    .order_by(message_log.c.id)
                )
            ]
    except sa.exc.ProgrammingError:
        return []
    finally:
        engine.dispose()


def wait_logged(prod, sender: str, count: int, timeout: float = 60) -> list[dict]:
    conversation = pseudonym(sender, prod["key"])
    return wait_for(
        lambda: rows if len(rows := logged(prod, conversation)) >= count else None, timeout
    ) or logged(prod, conversation)


def test_a_conversation_alternating_between_replicas_keeps_its_state(prod):
    one, two = prod["servers"]["tero-1"].port, prod["servers"]["tero-2"].port
    sender = f"alternating-{uuid.uuid4().hex[:6]}"
    assert "Kela" in texts(say(one, sender, "mikä on kela"))
    say(two, sender, "/feedback_up")  # rates the answer the other replica gave
    assert "YTHS" in texts(say(one, sender, "mikä on yths"))
    assert "Föli" in texts(say(two, sender, "mikä on föli"))

    # One conversation in the shared tracker store: one session, four messages.
    engine = make_log_engine(prod["tero_tracker"])
    stored = pseudonym("tracker:" + sender, prod["key"])
    with engine.connect() as c:
        kinds = list(
            c.execute(
                sa.text("SELECT type_name FROM events WHERE sender_id = :s ORDER BY id"),
                {"s": stored},
            ).scalars()
        )
    engine.dispose()
    assert kinds.count("user") == 4 and kinds.count("session_started") == 1, kinds

    # Two replicas publish independently: rows may arrive out of order, time orders them.
    rows = sorted(wait_logged(prod, sender, 4), key=lambda r: r["time"])
    assert [r["outcome"] for r in rows] == ["answer", "feedback", "answer", "answer"]
    assert rows[0]["feedback"] == "up"  # the log store saw the whole conversation


def test_the_log_is_kept_while_rabbitmq_is_down_and_delivered_after(prod):
    port = prod["settings"].tero_port  # through nginx
    sender = f"rabbit-{uuid.uuid4().hex[:6]}"
    prod["rabbit"].stop()
    try:
        for question in ("mikä on kela", "mikä on föli", "mikä on yths"):
            started = time.perf_counter()
            assert "jokin meni vikaan" not in texts(say(port, sender, question))
            assert time.perf_counter() - started < 5  # replies never wait for the broker
        time.sleep(1)
        assert logged(prod, pseudonym(sender, prod["key"])) == []
    finally:
        prod["rabbit"].start()
    assert len(wait_logged(prod, sender, 3)) == 3


def test_postgres_restart_mid_conversation_loses_nothing(prod):
    port = prod["settings"].tero_port
    sender = f"pg-{uuid.uuid4().hex[:6]}"
    assert "Kela" in texts(say(port, sender, "mikä on kela"))
    prod["pg"].stop()  # PostgreSQL goes away: every connection cut, new ones refused
    try:
        status, body = post(port, {"sender": sender, "message": "mikä on föli"})
        assert status == 200, body  # a polite reply, never a 500
        time.sleep(2)
    finally:
        prod["pg"].start()  # ... and is back
    answered = [texts(say(port, sender, q)) for q in ("mikä on yths", "mikä on omakela")]
    assert "YTHS" in answered[0] and "OmaKela" in answered[1]
    rows = wait_logged(prod, sender, 3)
    texts_logged = [r["text"] for r in rows]
    for question in ("mikä on kela", "mikä on yths", "mikä on omakela"):
        assert texts_logged.count(question) == 1, texts_logged  # none lost, none twice


def test_action_server_down_gives_a_polite_try_again(prod):
    port = prod["settings"].tero_port
    with prod["supervisor"].stopped("actions"):  # stopped on purpose: not restarted meanwhile
        status, body = post(port, {"sender": "no-actions", "message": "mikä on kela"})
        assert status == 200 and FAILURE in texts(body), body
    assert "Kela" in texts(say(port, "actions-back", "mikä on kela"))


def test_model_swap_under_load_through_the_balancer(prod):
    settings = prod["settings"]
    port = settings.tero_port
    live = model_path("tero", settings.models_dir)
    # The same model packed again: different bytes, so a real swap in every replica.
    candidate = prod["root"] / "candidate.tar.gz"
    candidate.write_bytes(gzip.compress(gzip.decompress(live.read_bytes()), mtime=1))
    with Load(port) as load:
        published = run_tool(
            prod["env"], "studybots.training.publish", "tero", "--candidate", str(candidate)
        )
        assert published.returncode == 0, published.stdout + published.stderr
        digest = content_digest(live)[:12]
        swapped = wait_for(
            lambda: all(
                health(prod["servers"][f"tero-{n}"].port)["model"] == digest for n in (1, 2)
            ),
            60,
        )
        time.sleep(2)
    assert swapped
    assert load.sent >= 30 and load.failures == [], load.failures[:5]


def test_a_killed_replica_is_bypassed_and_the_supervisor_brings_it_back(prod):
    """Issue 17: SIGKILL to one Tero replica under load. nginx sends the
    students to the other replica, the supervisor restarts the killed one on
    its port, and nothing else is touched."""
    watcher = prod["supervisor"]
    victim = prod["servers"]["tero-1"]
    others = {name: s.process.pid for name, s in prod["servers"].items() if name != victim.name}
    port = prod["settings"].tero_port
    restarts = watcher.records[victim.name].restarts
    killed_pid = victim.process.pid
    with Load(port, clients=4) as load:
        time.sleep(2)
        sent_before = load.sent
        os.killpg(killed_pid, signal.SIGKILL)
        back = wait_for(lambda: victim.process.pid != killed_pid and watcher.all_healthy(), 150)
        time.sleep(2)
    assert back, "the killed replica did not come back"
    assert watcher.records[victim.name].restarts == restarts + 1
    assert {n: s.process.pid for n, s in prod["servers"].items() if n != victim.name} == others
    # Only the requests the killed replica was answering at that moment may fail.
    assert load.sent - sent_before >= 20
    assert len(load.failures) <= 4, load.failures
    assert health(victim.port)["status"] == "ok"
    assert "Kela" in texts(say(victim.port, "back-again", "mikä on kela"))
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/webhooks/rest/", timeout=5) as r:
        assert r.status == 200
