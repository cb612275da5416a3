"""Issue 17 in the embedded profile: a process started by the supervisor dies
(SIGKILL, as the kernel's out-of-memory killer would), the rest keeps
answering, and the supervisor brings the dead one back on the same port.

Uses the session's stack (tests/conftest.py), which the supervisor of
`make run` watches; each test leaves every process running."""

from __future__ import annotations

import os
import signal
import time

from tests.support.chat import Load, health, say, texts, wait_for


def kill(server) -> int:
    """SIGKILL to the process itself (not its group: its Sanic workers are
    left behind, as after the out-of-memory killer; the supervisor cleans up)."""
    pid = server.process.pid
    os.kill(pid, signal.SIGKILL)
    return pid


def test_a_killed_bot_is_restarted_while_the_other_bot_keeps_answering(stack):
    watcher, servers = stack["supervisor"], stack["servers"]
    tero, settings = servers["tero"], stack["settings"]
    others = {name: s.process.pid for name, s in servers.items() if name != "tero"}
    restarts = watcher.records["tero"].restarts
    with Load(settings.paavo_port, clients=2) as paavo_load:
        time.sleep(1)
        killed = kill(tero)
        started = time.monotonic()
        back = wait_for(lambda: tero.process.pid != killed and watcher.all_healthy(), 150)
        took = time.monotonic() - started
        time.sleep(1)
    assert back, f"tero was not back after {took:.0f} s"
    assert watcher.records["tero"].restarts == restarts + 1
    # Nothing else was touched, and Paavo answered the whole time.
    assert {name: s.process.pid for name, s in servers.items() if name != "tero"} == others
    assert paavo_load.sent >= 10 and paavo_load.failures == [], paavo_load.failures[:3]
    assert health(tero.port)["status"] == "ok"
    assert "Kela" in texts(say(settings.tero_port, "restart-tero", "mikä on kela"))


def test_a_killed_action_server_is_restarted(stack):
    watcher, servers = stack["supervisor"], stack["servers"]
    actions, settings = servers["actions"], stack["settings"]
    killed = kill(actions)
    assert wait_for(lambda: actions.process.pid != killed and watcher.all_healthy(), 90)
    assert watcher.records["actions"].restarts >= 1
    assert "Kela" in texts(say(settings.tero_port, "restart-actions", "mikä on kela"))


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except FileNotFoundError:
        return []


def test_a_killed_worker_is_replaced_while_the_other_worker_answers(stack):
    """Two Sanic workers per bot: one killed, the other answers every message
    (only what the killed one was answering may fail), and the bot's main
    process starts a new worker (studybots.bot.workers)."""
    tero, settings = stack["servers"]["tero"], stack["settings"]
    main = tero.process.pid
    workers = children(main)
    assert len(workers) == 2, workers
    log = tero.log
    offset = log.stat().st_size
    with Load(settings.tero_port, clients=2) as load:
        time.sleep(1)
        os.kill(workers[0], signal.SIGKILL)
        back = wait_for(lambda: b" is back " in log.read_bytes()[offset:], 150)
        time.sleep(1)
    assert back, "no new worker"
    assert tero.process.pid == main and len(children(main)) == 2  # the bot itself stayed up
    assert load.sent >= 10 and len(load.failures) <= 2, load.failures
    assert b"stopped (code -9); restarting in 1 s" in log.read_bytes()[offset:]
