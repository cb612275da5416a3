"""The supervisor's restart policy, with real child processes (no mocks):
what dies is restarted with growing delays, the rest is never touched, a
process that keeps dying is reported and retried slowly, and only stop()
stops everything."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from studybots.ops import supervisor
from studybots.ops.restart import Policy, Supervisor
from studybots.ops.supervisor import Server, free_port

FAST = Policy(first_delay=0.1, max_delay=0.8, healthy_reset=1.0, keeps_dying=4)


def server(name: str, code: str, port: int = 0, health: str | None = None, log=None) -> Server:
    return Server(name, [sys.executable, "-c", code], port, health, dict(os.environ), log)


SLEEPER = "import time; time.sleep(600)"


def wait(condition, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture()
def lines() -> list[str]:
    return []


def watch(servers: list[Server], lines: list[str], policy: Policy = FAST) -> Supervisor:
    sup = Supervisor(servers, policy, out=lines.append, poll=0.05)
    sup.start(timeout=30)
    return sup.run_in_background()


def test_a_killed_process_is_restarted_and_the_others_keep_running(lines):
    victim, bystander = server("victim", SLEEPER), server("bystander", SLEEPER)
    sup = watch([victim, bystander], lines)
    try:
        first, other = victim.process.pid, bystander.process.pid
        os.kill(first, signal.SIGKILL)
        assert wait(lambda: victim.process.pid != first and victim.process.poll() is None)
        assert wait(sup.all_healthy)
        assert bystander.process.pid == other and bystander.process.poll() is None
        assert lines[0] == "victim stopped (code -9); restarting in 0.1 s (restart 1)"
        assert lines[1].startswith("victim is back (answered ")
        assert sup.records["victim"].restarts == 1
    finally:
        sup.stop()
    assert victim.process.poll() is not None and bystander.process.poll() is not None


def test_the_delay_doubles_up_to_the_cap_and_a_process_that_keeps_dying_is_reported(
    lines, tmp_path
):
    log = tmp_path / "crasher.log"
    crasher = server("crasher", "import sys; sys.exit(3)", log=log)
    steady = server("steady", SLEEPER)
    sup = Supervisor([crasher, steady], FAST, out=lines.append, poll=0.05)
    # Started by hand: start() would refuse a process that exits at once.
    for s in (crasher, steady):
        s.process = supervisor._spawn(s)
    sup.run_in_background()
    try:
        assert wait(lambda: sup.records["crasher"].restarts >= 6, 30)
    finally:
        sup.stop()
    delays = [
        float(line.split("restarting in ")[1].split(" s")[0])
        for line in lines
        if "restarting in" in line
    ]
    assert delays[:6] == [0.1, 0.2, 0.4, 0.8, 0.8, 0.8]  # doubling, capped; then every max_delay
    warnings = [line for line in lines if "keeps dying" in line]
    assert len(warnings) == 1, lines  # said once per streak, not at every restart
    assert warnings[0].startswith(
        "crasher keeps dying: 5 restarts in 1 minute; retrying every 0.8 s"
    )
    assert warnings[0].endswith(f"see {log}")
    # (A process without a health check counts as back while it runs, so on a
    # slow machine "crasher is back (answered … after it stopped)" may appear.)
    deaths = [line for line in lines if " stopped (" in line]
    assert deaths and all(line.startswith("crasher stopped (code 3)") for line in deaths)
    assert steady.process.returncode is not None  # stopped by stop(), never restarted
    assert sup.records["steady"].restarts == 0


def test_a_process_that_stays_healthy_starts_a_new_streak(lines):
    victim = server("victim", SLEEPER)
    sup = watch([victim], lines)
    try:
        for _ in range(2):
            pid = victim.process.pid
            os.kill(pid, signal.SIGKILL)
            assert wait(lambda pid=pid: victim.process.pid != pid and sup.all_healthy())
        assert sup.records["victim"].in_a_row == 2
        assert wait(lambda: sup.records["victim"].in_a_row == 0, 5)  # healthy for healthy_reset
        pid = victim.process.pid
        os.kill(pid, signal.SIGKILL)
        assert wait(lambda pid=pid: victim.process.pid != pid and sup.all_healthy())
    finally:
        sup.stop()
    delays = [line.split("restarting in ")[1] for line in lines if "restarting in" in line]
    assert delays == ["0.1 s (restart 1)", "0.2 s (restart 2)", "0.1 s (restart 3)"]


def test_what_is_left_of_a_killed_process_group_is_killed_before_the_restart(lines, tmp_path):
    # The parent starts a child in its own process group (as Sanic starts its
    # workers) and both sleep; SIGKILL to the parent alone leaves the child.
    pidfile = tmp_path / "child.pid"
    code = (
        "import subprocess, sys, time, pathlib; "
        f"c = subprocess.Popen([sys.executable, '-c', {SLEEPER!r}]); "
        f"pathlib.Path({str(pidfile)!r}).write_text(str(c.pid)); time.sleep(600)"
    )
    parent = server("parent", code)
    sup = watch([parent], lines)
    try:
        assert wait(pidfile.exists)
        child = int(pidfile.read_text())
        pidfile.unlink()
        os.kill(parent.process.pid, signal.SIGKILL)
        assert wait(lambda: not Path(f"/proc/{child}").exists() or _zombie(child))
        assert wait(pidfile.exists)  # the new parent started its own child
    finally:
        sup.stop()


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except FileNotFoundError:
        return True


def test_a_restarted_server_keeps_its_port_and_is_back_when_it_answers(lines, tmp_path):
    port = free_port()
    web = Server(
        "web",
        [
            sys.executable,
            "-m",
            "http.server",
            str(port),
            "--bind",
            "127.0.0.1",
            "-d",
            str(tmp_path),
        ],
        port,
        "/",
        dict(os.environ),
    )
    sup = watch([web], lines)
    try:
        os.killpg(web.process.pid, signal.SIGKILL)
        assert wait(lambda: any("is back" in line for line in lines), 20), lines
        assert web.command[3] == str(port)
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
            assert resp.status == 200
    finally:
        sup.stop()


def test_a_process_stopped_on_purpose_is_not_restarted_until_started_again(lines):
    actions = server("actions", SLEEPER)
    sup = watch([actions], lines)
    try:
        sup.stop_one("actions")
        time.sleep(0.5)
        assert actions.process.poll() is not None and lines == []
        sup.start_one("actions")
        assert actions.process.poll() is None and sup.all_healthy()
    finally:
        sup.stop()


def test_stop_stops_everything_and_nothing_comes_back(lines):
    servers = [server(f"s{n}", SLEEPER) for n in range(3)]
    sup = watch(servers, lines)
    sup.stop()
    time.sleep(0.5)
    assert all(s.process.poll() is not None for s in servers)
    assert lines == []


def test_the_policy_delays():
    policy = Policy(first_delay=1, max_delay=60)
    assert [policy.delay(n, False) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert policy.delay(1, True) == 60


def test_make_run_shows_errors_and_a_bot_replacing_a_worker(tmp_path):
    from studybots.ops.log_follow import LogFollower

    log = tmp_path / "tero.log"
    log.write_text("old ERROR line\n")
    follower = LogFollower({"tero": log})
    with log.open("a") as fh:
        fh.write(
            "2026-12-01 10:00:00 INFO     rasa.core.processor  - Loading model\n"
            "2026-12-01 10:00:01 WARNING  studybots.bot.workers  - worker 41 stopped (code -9);"
            " restarting in 1 s\n"
            "2026-12-01 10:00:30 WARNING  studybots.bot.workers  - worker 57 is back "
            "(answering 28 s after it started)\n"
            "2026-12-01 10:00:31 ERROR    rasa.core.processor  - something\n"
        )
    found = follower.errors()
    assert [line.split(" - ")[1].split(" (")[0] for line in found] == [
        "worker 41 stopped",
        "worker 57 is back",
        "something",
    ]
