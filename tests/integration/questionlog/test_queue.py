"""The production log path: bots → RabbitMQ → consumer → PostgreSQL.

Real RabbitMQ (127.0.0.1:5672) and PostgreSQL (127.0.0.1:5432); outages are
real connection losses through a TCP proxy. Under CI=true a missing service
fails the run.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import pytest
import sqlalchemy as sa

from studybots.questionlog.consumer import Consumer
from studybots.questionlog.model import make_log_engine, message_log
from studybots.questionlog.writer import LogWriter
from tests.support import workspace
from tests.support.log_rows import row
from tests.support.services import PG, RABBIT, require
from tests.support.tcp_proxy import TcpProxy


@pytest.fixture
def log_database():
    """A fresh PostgreSQL database for the log, dropped afterwards."""
    require(PG, "PostgreSQL")
    with workspace.postgres_databases(("log",)) as names:
        yield f"postgresql://postgres@127.0.0.1:5432/{names['log']}", names["log"]


@pytest.fixture
def queue_name():
    require(RABBIT, "RabbitMQ")
    name = f"studybots-test-{uuid.uuid4().hex[:10]}"
    yield name
    workspace.delete_queue("amqp://guest:guest@127.0.0.1:5672/", name)


def texts_in(url: str, marker: str) -> list[str]:
    engine = make_log_engine(url)
    try:
        with engine.connect() as c:
            return [
                t
                for t in c.execute(
                    sa.select(message_log.c.text).order_by(message_log.c.id)
                ).scalars()
                if t.startswith(marker)
            ]
    except sa.exc.ProgrammingError:  # table not created yet
        return []
    finally:
        engine.dispose()


class RunningConsumer:
    def __init__(self, amqp_url: str, db_url: str) -> None:
        self.consumer = Consumer(amqp_url, db_url, interval=0.1)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_until_complete, args=(self.consumer.run(),), daemon=True
        )

    def __enter__(self) -> RunningConsumer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.loop.call_soon_threadsafe(self.consumer.stop)
        self.thread.join(15)


def wait_for_texts(url: str, marker: str, expected: list[str], timeout: float = 30) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = texts_in(url, marker)
        if len(got) >= len(expected):
            return got
        time.sleep(0.2)
    return texts_in(url, marker)


def test_rows_travel_through_rabbitmq_into_postgres(tmp_path, log_database, queue_name):
    db_url, _ = log_database
    amqp = f"amqp://guest:guest@127.0.0.1:5672/?queue={queue_name}"
    marker = f"q-{time.time_ns()}"
    writer = LogWriter(amqp, tmp_path / "spool", flush_interval=0.05)
    try:
        for i in range(30):
            writer.record(row(i, text=f"{marker} {i}"))
        assert writer.flush(15)  # confirmed by RabbitMQ
    finally:
        writer.close()
    expected = [f"{marker} {i}" for i in range(30)]
    with RunningConsumer(amqp, db_url):
        assert wait_for_texts(db_url, marker, expected) == expected


def test_rabbitmq_outage_keeps_rows_and_delivers_them_later(tmp_path, log_database, queue_name):
    db_url, _ = log_database
    proxy = TcpProxy(RABBIT)
    proxy.start()
    amqp = f"amqp://guest:guest@127.0.0.1:{proxy.port}/?queue={queue_name}"
    direct = f"amqp://guest:guest@127.0.0.1:5672/?queue={queue_name}"
    marker = f"rmq-{time.time_ns()}"
    writer = LogWriter(amqp, tmp_path / "spool", flush_interval=0.05)
    try:
        with RunningConsumer(direct, db_url):
            writer.record(row(0, text=f"{marker} before"))
            assert writer.flush(15)
            proxy.stop()  # RabbitMQ unreachable for the bot
            started = time.perf_counter()
            for i in range(1, 21):
                writer.record(row(i, text=f"{marker} during {i}"))
            assert time.perf_counter() - started < 0.5  # never waits for the broker
            time.sleep(1.5)
            assert writer.pending == 20
            assert list((tmp_path / "spool").glob("spool-*.jsonl"))  # kept on disk
            proxy.start()
            assert writer.flush(60), "rows were not published after the outage"
            expected = [f"{marker} before"] + [f"{marker} during {i}" for i in range(1, 21)]
            assert wait_for_texts(db_url, marker, expected) == expected
    finally:
        writer.close()
        proxy.stop()


def test_database_outage_holds_messages_in_the_queue(tmp_path, log_database, queue_name):
    db_url, db_name = log_database
    proxy = TcpProxy(PG)
    proxy.start()
    via_proxy = f"postgresql://postgres@127.0.0.1:{proxy.port}/{db_name}"
    amqp = f"amqp://guest:guest@127.0.0.1:5672/?queue={queue_name}"
    marker = f"pg-{time.time_ns()}"
    writer = LogWriter(amqp, tmp_path / "spool", flush_interval=0.05)
    try:
        with RunningConsumer(amqp, via_proxy):
            writer.record(row(0, text=f"{marker} 0"))
            assert wait_for_texts(db_url, marker, [f"{marker} 0"]) == [f"{marker} 0"]
            proxy.stop()  # the log database restarts
            for i in range(1, 16):
                writer.record(row(i, text=f"{marker} {i}"))
            assert writer.flush(15)  # RabbitMQ has them
            time.sleep(1.5)
            assert texts_in(db_url, marker) == [f"{marker} 0"]
            proxy.start()
            expected = [f"{marker} {i}" for i in range(16)]
            assert wait_for_texts(db_url, marker, expected, timeout=60) == expected
    finally:
        writer.close()
        proxy.stop()


def test_the_consumer_reads_again_after_rabbitmq_was_unreachable(
    tmp_path, log_database, queue_name
):
    """The consumer's own connection is cut while rows keep coming (the chaos
    bench found that it then stopped reading for good: an acknowledgement on
    the dropped channel waited for ever). It reconnects and writes them all."""
    db_url, _ = log_database
    proxy = TcpProxy(RABBIT)
    proxy.start()
    direct = f"amqp://guest:guest@127.0.0.1:5672/?queue={queue_name}"
    via_proxy = f"amqp://guest:guest@127.0.0.1:{proxy.port}/?queue={queue_name}"
    marker = f"cut-{time.time_ns()}"
    writer = LogWriter(direct, tmp_path / "spool", flush_interval=0.05)
    sent: list[str] = []
    stop = threading.Event()

    def students() -> None:
        while not stop.is_set():
            sent.append(f"{marker} {len(sent)}")
            writer.record(row(len(sent), text=sent[-1]))
            time.sleep(0.02)

    try:
        with RunningConsumer(via_proxy, db_url):
            load = threading.Thread(target=students)
            load.start()
            time.sleep(2)
            proxy.stop()  # the consumer's connection is cut while it acknowledges
            time.sleep(3)
            proxy.start()
            time.sleep(1)
            stop.set()
            load.join()
            assert writer.flush(15)
            got = wait_for_texts(db_url, marker, sent, timeout=60)
            assert sorted(got) == sorted(sent)  # all, once
    finally:
        stop.set()
        writer.close()
        proxy.stop()
