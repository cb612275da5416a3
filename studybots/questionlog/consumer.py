"""Feed the log store from RabbitMQ (the production profile).

    python -m studybots.questionlog.consumer --queue amqp://guest:guest@127.0.0.1:5672/?queue=studybots-log \
                                          --to postgresql://...

The bots publish scrubbed log rows to a durable queue (`sinks.AmqpSink`).
This process takes them in batches, writes each batch in one transaction, and
acknowledges the messages only after the commit. When the database is down
it keeps the batch and retries with back-off; if this process dies, RabbitMQ
delivers the unacknowledged messages again, and `event_id` keeps them from
being written twice. It reconnects by itself when RabbitMQ restarts or is
unreachable for a while.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import time
from typing import TYPE_CHECKING

from studybots.core.settings import load_settings
from studybots.privacy import log_format
from studybots.questionlog.sinks import SqlSink, decode, queue_of

if TYPE_CHECKING:  # aio_pika is imported when the consumer runs
    from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage

logger = logging.getLogger("studybots.log_consumer")

BATCH = 500
MAX_BACKOFF = 30.0
LIVENESS = 5.0  # seconds between checks that the connection to RabbitMQ still works


class Consumer:
    def __init__(
        self, amqp_url: str, db_url: str, batch: int = BATCH, interval: float = 0.3
    ) -> None:
        self.amqp_url, self.queue_name = queue_of(amqp_url)
        self.sink = SqlSink(db_url)
        self.batch, self.interval = batch, interval
        self._messages: list[AbstractIncomingMessage] = []
        self._stop = asyncio.Event()
        self.written = 0

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        self._messages.append(message)

    async def _write(self, messages: list[AbstractIncomingMessage]) -> None:
        rows = []
        for m in messages:
            try:
                rows.append(decode(m.body))
            except (ValueError, KeyError, TypeError):
                logger.error("log consumer: dropped a malformed message %s", m.message_id)
        backoff = 0.5
        loop = asyncio.get_running_loop()
        while rows:
            try:
                await loop.run_in_executor(None, self.sink.write, rows)
                self.written += len(rows)
                break
            except Exception as exc:  # database down: keep the batch, try again
                logger.warning(
                    "log store unavailable (%s); %d rows held", type(exc).__name__, len(rows)
                )
                self.sink.reset()
                try:
                    await asyncio.wait_for(self._stop.wait(), backoff)
                    return  # stopping: the messages stay unacknowledged in RabbitMQ
                except asyncio.TimeoutError:
                    backoff = min(MAX_BACKOFF, backoff * 2)
        for m in messages:
            try:
                await asyncio.wait_for(m.ack(), LIVENESS)  # a dropped channel never answers
            except Exception:  # channel lost: RabbitMQ redelivers, event_id dedups
                logger.warning("log consumer: acknowledgement lost; message will come again")
                break

    async def run(self) -> None:
        """Consume until stopped. The first connection must succeed (a consumer
        that cannot start exits, so its supervisor restarts it and says so);
        after that a lost connection is made again, with back-off, for as
        long as it takes. aio_pika's robust connection is not used: after an
        outage of some seconds it stopped reconnecting (the bots' rows waited
        in RabbitMQ with nobody reading them)."""
        await self._consume(await self._connect())
        backoff = 1.0
        while not self._stop.is_set():
            try:
                link = await self._connect()
            except Exception as exc:  # RabbitMQ still away
                logger.warning(
                    "log consumer: RabbitMQ unreachable (%s); trying again in %.0f s",
                    type(exc).__name__,
                    backoff,
                )
                try:
                    await asyncio.wait_for(self._stop.wait(), backoff)
                except asyncio.TimeoutError:
                    pass
                backoff = min(MAX_BACKOFF, backoff * 2)
                continue
            logger.info("log consumer: connected to RabbitMQ again")
            backoff = 1.0
            await self._consume(link)

    async def _connect(self) -> tuple[AbstractConnection, AbstractChannel]:
        import aio_pika

        connection = await asyncio.wait_for(aio_pika.connect(self.amqp_url, timeout=5), 10)
        try:
            channel = await asyncio.wait_for(connection.channel(), 10)
            await channel.set_qos(prefetch_count=self.batch)
            queue = await channel.declare_queue(self.queue_name, durable=True)
            await queue.consume(self._on_message)
        except BaseException:
            await _close(connection)
            raise
        logger.info("log consumer: reading %s", self.queue_name)
        return connection, channel

    async def _alive(self, channel: AbstractChannel) -> bool:
        """Ask the broker something: a connection the network dropped can look
        open for a long time (until the next heartbeat)."""
        try:
            await asyncio.wait_for(
                channel.declare_queue(self.queue_name, durable=True, passive=True), LIVENESS
            )
            return True
        except Exception:
            return False

    async def _consume(self, link: tuple[AbstractConnection, AbstractChannel]) -> None:
        """Write what arrives until stopped or the connection is lost. Messages
        of a lost connection are still written; their acknowledgements fail,
        RabbitMQ delivers them again and `event_id` keeps them single."""
        connection, channel = link
        checked = time.monotonic()
        try:
            while not self._stop.is_set() and _connected(connection):
                if time.monotonic() - checked > LIVENESS:
                    if not await self._alive(channel):
                        break
                    checked = time.monotonic()
                try:
                    await asyncio.wait_for(self._stop.wait(), self.interval)
                except asyncio.TimeoutError:
                    pass
                if self._messages:
                    messages, self._messages = self._messages, []
                    await self._write(messages)
            if not self._stop.is_set():
                logger.warning("log consumer: connection to RabbitMQ lost; connecting again")
        finally:
            await _close(connection)
            if self._stop.is_set():
                self.sink.close()

    def stop(self) -> None:
        self._stop.set()


def _connected(connection: AbstractConnection) -> bool:
    """aio_pika's `is_closed` only turns true after `close()`; a connection
    that the broker or the network dropped clears `connected`."""
    connected = getattr(connection, "connected", None)
    return not connection.is_closed and (connected is None or connected.is_set())


async def _close(connection: AbstractConnection) -> None:
    try:
        await asyncio.wait_for(connection.close(), 5)
    except Exception:  # already broken: nothing to close
        pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queue", required=True, help="amqp://user:pass@host:port/?queue=name")
    parser.add_argument("--to", default=None, help="log database URL (default STUDYBOTS_LOG_URL)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    log_format.apply_from_env()
    consumer = Consumer(args.queue, args.to or load_settings().log_url)

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, consumer.stop)
        await consumer.run()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
