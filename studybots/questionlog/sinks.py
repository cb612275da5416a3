"""Where the log writer delivers rows: a SQL database, or a RabbitMQ queue.

    sqlite:///var/log.db, postgresql://...   rows go straight into `message_log`
    amqp://user:pass@host:5672/?queue=name   rows are published to a durable queue;
                                             `studybots.questionlog.consumer` writes
                                             them into the database

Rows are built, scrubbed and pseudonymised in the bot process before they
reach any sink, so the queue carries no personal data either. Every row has
a unique `event_id`: a row delivered twice (a retried batch, a redelivered
message) is written once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import urllib.parse
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from studybots.core.names import NOT_QUESTIONS
from studybots.questionlog.model import complete, ensure_schema, make_log_engine, message_log

if TYPE_CHECKING:  # aio_pika is imported only when a queue is used
    from aio_pika.abc import AbstractChannel, AbstractConnection

DEFAULT_QUEUE = "studybots-log"


def encode(row: dict[str, Any]) -> str:
    row = dict(row)
    row["time"] = row["time"].isoformat()
    return json.dumps(row, ensure_ascii=False)


def decode(line: str | bytes) -> dict[str, Any]:
    row: dict[str, Any] = json.loads(line)
    row["time"] = dt.datetime.fromisoformat(row["time"])
    return row


def _apply_feedback(connection: sa.engine.Connection, rows: list[dict[str, Any]]) -> None:
    """A 👍/👎 message rates the conversation's latest answer before it."""
    for row in rows:
        if row.get("outcome") != "feedback" or row.get("answer_ref") not in ("up", "down"):
            continue
        latest = (
            sa.select(sa.func.max(message_log.c.id))
            .where(
                message_log.c.conversation == row["conversation"],
                message_log.c.bot == row["bot"],
                message_log.c.outcome.not_in(NOT_QUESTIONS),
                message_log.c.time <= row["time"],
            )
            .scalar_subquery()
        )
        connection.execute(
            sa.update(message_log)
            .where(message_log.c.id == latest)
            .values(feedback=row["answer_ref"])
        )


class SqlSink:
    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: sa.engine.Engine | None = None

    def write(self, rows: list[dict[str, Any]]) -> None:
        rows = complete(rows)
        if self._engine is None:
            engine = make_log_engine(self.url)
            try:
                ensure_schema(engine)  # the bots' workers start together
            except Exception:
                engine.dispose()
                raise
            self._engine = engine
        try:
            with self._engine.begin() as connection:
                connection.execute(message_log.insert(), rows)
                _apply_feedback(connection, rows)
        except sa.exc.IntegrityError:
            # Some rows were written before (a retried batch): add the others.
            with self._engine.begin() as connection:
                known = set(
                    connection.execute(
                        sa.select(message_log.c.event_id).where(
                            message_log.c.event_id.in_([r["event_id"] for r in rows])
                        )
                    ).scalars()
                )
                fresh = []
                for r in rows:  # a row published twice can be twice in one batch
                    if r["event_id"] not in known:
                        known.add(r["event_id"])
                        fresh.append(r)
                if fresh:
                    connection.execute(message_log.insert(), fresh)
                _apply_feedback(connection, fresh)  # earlier batches applied their own

    def reset(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    close = reset


def queue_of(url: str) -> tuple[str, str]:
    """(connection URL without the queue parameter, queue name)."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qs(parts.query)
    name = (query.pop("queue", [DEFAULT_QUEUE]) or [DEFAULT_QUEUE])[0]
    rest = urllib.parse.urlencode({k: v[0] for k, v in query.items()})
    return urllib.parse.urlunsplit(parts._replace(query=rest)), name


class AmqpSink:
    """Publishes rows as persistent messages, each confirmed by the broker."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        self.url, self.queue = queue_of(url)
        self.timeout = timeout
        self._loop = asyncio.new_event_loop()
        self._connection: AbstractConnection | None = None
        self._channel: AbstractChannel | None = None

    async def _open(self) -> None:
        import aio_pika

        self._connection = await aio_pika.connect(self.url, timeout=self.timeout)
        self._channel = await self._connection.channel(publisher_confirms=True)
        await self._channel.declare_queue(self.queue, durable=True)

    async def _publish(self, rows: list[dict[str, Any]]) -> None:
        import aio_pika

        if self._channel is None or self._channel.is_closed:
            await self._open()
        assert self._channel is not None
        for row in rows:
            await asyncio.wait_for(
                self._channel.default_exchange.publish(
                    aio_pika.Message(
                        encode(row).encode("utf-8"),
                        message_id=row["event_id"],
                        content_type="application/json",
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    ),
                    routing_key=self.queue,
                ),
                self.timeout,
            )

    def write(self, rows: list[dict[str, Any]]) -> None:
        self._loop.run_until_complete(self._publish(rows))

    def reset(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None:
            try:
                self._loop.run_until_complete(asyncio.wait_for(connection.close(), 2))
            except Exception:  # already broken: nothing to close
                pass

    def close(self) -> None:
        self.reset()
        self._loop.close()


def make_sink(url: str) -> SqlSink | AmqpSink:
    if url.startswith(("amqp://", "amqps://")):
        return AmqpSink(url)
    return SqlSink(url)
