"""A bot with several Sanic workers replaces a worker that dies.

`rasa run` with SANIC_WORKERS > 1 (the embedded profile's default: two)
forks the workers from one main process and then only waits for them: when
one is killed (SIGKILL, out of memory) the bot goes on with one worker less
for ever, and the supervisor (studybots.ops.restart), which watches the main
process, sees nothing wrong. This is Sanic 21.12's `serve_multiple` with one
change: the main process starts a new worker in place of one that stopped
without being asked to, on the same listening socket, so the other workers
keep answering throughout and only the requests the dead worker was
answering fail. It writes one line to the bot's log, in the supervisor's
words (`make run` shows it on the console: studybots.ops.log_follow).

A worker that keeps dying is started again after a delay that doubles up
to 60 s. Installed by studybots.bot.server before Rasa starts Sanic.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import multiprocessing.connection
import os
import time
from signal import SIGINT, SIGTERM, Signals
from signal import signal as signal_func
from typing import Any

# The project's own logger: Rasa sets Sanic's loggers to ERROR (LOG_LEVEL_LIBRARIES).
logger = logging.getLogger(__name__)

FIRST_DELAY = 1.0
MAX_DELAY = 60.0
STEADY = 60.0  # a worker that lived this long died by accident, not at start-up


def serve_multiple(server_settings: dict[str, Any], workers: int) -> None:
    from sanic.server.events import trigger_events
    from sanic.server.runners import serve
    from sanic.server.socket import bind_socket, bind_unix_socket, remove_unix_socket

    server_settings["reuse_port"] = True
    server_settings["run_multiple"] = True
    main_start = server_settings.pop("main_start", None)
    main_stop = server_settings.pop("main_stop", None)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    trigger_events(main_start, loop)

    sock = server_settings.get("sock")
    unix = server_settings["unix"]
    backlog = server_settings["backlog"]
    if unix:
        sock = bind_unix_socket(unix, backlog=backlog)
        server_settings["unix"] = unix
    if sock is None:
        sock = bind_socket(server_settings["host"], server_settings["port"], backlog=backlog)
        sock.set_inheritable(True)
        server_settings["sock"] = sock
        server_settings["host"] = None
        server_settings["port"] = None

    mp = multiprocessing.get_context("fork")
    processes: dict[int, tuple[Any, float]] = {}  # sentinel -> (process, started)
    stopping = False

    def start_worker(replacement: bool = False) -> None:
        process = mp.Process(target=_worker, args=(serve, server_settings, replacement))
        process.daemon = True
        process.start()
        processes[process.sentinel] = (process, time.monotonic())

    def sig_handler(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True
        logger.info("Received signal %s. Shutting down.", Signals(signum).name)
        for process, _ in processes.values():
            if process.is_alive():
                os.kill(process.pid, SIGTERM)

    signal_func(SIGINT, sig_handler)
    signal_func(SIGTERM, sig_handler)
    for _ in range(workers):
        start_worker()

    delay = FIRST_DELAY
    while processes:
        ready = multiprocessing.connection.wait(list(processes), timeout=1.0)
        for sentinel in ready:
            process, started = processes.pop(int(sentinel))  # type: ignore[arg-type]
            process.join()
            if stopping:
                continue
            if time.monotonic() - started >= STEADY:
                delay = FIRST_DELAY
            logger.warning(
                "worker %s stopped (code %s); restarting in %g s",
                process.pid,
                process.exitcode,
                delay,
            )
            time.sleep(delay)
            delay = min(MAX_DELAY, delay * 2)
            if not stopping:
                start_worker(replacement=True)

    trigger_events(main_stop, loop)
    sock.close()
    loop.close()
    remove_unix_socket(unix)


def _worker(serve: Any, server_settings: dict[str, Any], replacement: bool) -> None:
    """One worker (a forked child); a replacement says when it answers again."""
    if replacement:
        started = time.monotonic()

        async def back(app: Any, loop: Any) -> None:
            logger.warning(
                "worker %s is back (answering %.0f s after it started)",
                os.getpid(),
                time.monotonic() - started,
            )

        server_settings["app"].register_listener(back, "after_server_start")
    serve(**server_settings)


def install() -> None:
    """Make Sanic (as Rasa runs it) use this `serve_multiple`."""
    import sanic.app

    sanic.app.serve_multiple = serve_multiple
