"""The log consumer (studybots.questionlog.consumer) as a service with a health check.

    python -m studybots.ops.log_consumer [--queue amqp://...] [--to postgresql://...] \
                                          [--health-port 8081] [--health-host 0.0.0.0]

The consumer itself has no HTTP side, so neither Kubernetes nor the
supervisor could tell a hung consumer from a working one. This runs it with
a small HTTP server in the same event loop:

* `GET /health`: 200 `{"status": "ok", "written": N}` while the consumer runs
  and the event loop answers (a blocked loop cannot answer: the probe times
  out); 503 once the consumer has stopped or failed.

The queue and the database default to STUDYBOTS_LOG_QUEUE and
STUDYBOTS_LOG_URL, so secrets need not be on the command line (Kubernetes
mounts them as files: studybots.core.secret_files).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal

from aiohttp import web

from studybots.core import secret_files
from studybots.ops.http_headers import every_response

logger = logging.getLogger("studybots.log_consumer")


def health_app(consumer: object, task: asyncio.Task) -> web.Application:
    async def health(_: web.Request) -> web.Response:
        if task.done():
            return web.json_response({"status": "stopped"}, status=503)
        return web.json_response({"status": "ok", "written": getattr(consumer, "written", 0)})

    app = web.Application()
    every_response(app, {"X-Content-Type-Options": "nosniff"})
    app.router.add_get("/health", health)
    return app


async def serve(consumer, host: str, port: int) -> None:
    """Run `consumer` until it stops (SIGTERM, SIGINT) or fails, with /health beside it."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, consumer.stop)
    task = asyncio.create_task(consumer.run())
    runner = web.AppRunner(health_app(consumer, task), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    try:
        await task
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    secret_files.export()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queue", default=None, help="default: STUDYBOTS_LOG_QUEUE")
    parser.add_argument("--to", default=None, help="default: STUDYBOTS_LOG_URL")
    parser.add_argument("--health-port", type=int, default=8081)
    parser.add_argument("--health-host", default="127.0.0.1")
    args = parser.parse_args(argv)
    queue = args.queue or os.environ.get("STUDYBOTS_LOG_QUEUE", "")
    if not queue:
        parser.error("--queue or STUDYBOTS_LOG_QUEUE is needed")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    from studybots.core.settings import load_settings
    from studybots.privacy import log_format
    from studybots.questionlog.consumer import Consumer

    log_format.apply_from_env()
    consumer = Consumer(queue, args.to or load_settings().log_url)
    asyncio.run(serve(consumer, args.health_host, args.health_port))


if __name__ == "__main__":
    main()
