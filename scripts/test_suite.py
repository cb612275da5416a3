"""`make test`: the whole suite on both cores of the machine.

The suite run as one pytest process kept one core idle for long stretches
(CPU 122 % of two cores): much of it waits for real servers to start or to
answer. So, after training the bots once (both cores; the tests' `models_dir`
fixture then finds the models up to date), two pytest processes run side by
side, each about half of the suite's time:

- "stack": tests/browser and the e2e modules (those that share the session
  stack, one set of real Rasa and action servers, and a few more), shown on
  the console as it runs;
- "rest": tests/unit, tests/integration and the two e2e modules with the
  largest stacks of their own (the production profile, the second life
  event); its output goes to var/test-logs/rest.log and is shown when it ends.

Either failing fails the run. The two do not meet: their servers take free
ports (supervisor.free_port), their databases, Redis keys and RabbitMQ queues
have names of their own, and each writes under its own temporary directory.

    python scripts/test_suite.py [pytest options, e.g. -m "not audit"]
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
E2E = ROOT / "tests" / "e2e"

# The e2e modules that run beside unit and integration tests: they start
# servers of their own (no `stack` fixture). The other e2e modules without the
# stack (quality, privacy at rest, Rasa's conversation tests) stay with the
# session stack's half, which balances the two (measured in docs/engineering.md).
# A new e2e module needs no entry here; tests/unit/test_test_suite.py checks the split.
OWN_SERVERS = (
    "test_life_event.py",
    "test_production.py",
)


def groups() -> dict[str, list[str]]:
    """The test paths of each process, relative to the project."""
    e2e = sorted(p.name for p in E2E.glob("test_*.py"))
    return {
        "stack": ["tests/browser"] + [f"tests/e2e/{n}" for n in e2e if n not in OWN_SERVERS],
        "rest": ["tests/unit", "tests/integration"]
        + [f"tests/e2e/{n}" for n in e2e if n in OWN_SERVERS],
    }


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min {int(seconds % 60)} s"


def main(argv: list[str]) -> int:
    python = sys.executable
    started = time.monotonic()
    print("make test: training the bots (reused when up to date) ...", flush=True)
    if subprocess.run([python, "-m", "studybots.training.train"], cwd=ROOT).returncode != 0:
        print("make test: training failed, no tests run", file=sys.stderr)
        return 1
    log_dir = ROOT / "var" / "test-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / "rest.log"
    paths = groups()
    pytest = [python, "-m", "pytest", *argv]
    print(
        f"make test: unit, integration and {len(paths['rest']) - 2} e2e modules in the "
        f"background (output: {log.relative_to(ROOT)}, shown when they end)",
        flush=True,
    )
    with log.open("w", encoding="utf-8") as out:
        rest = subprocess.Popen(
            [*pytest, "-p", "no:cacheprovider", "--durations=25", *paths["rest"]],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            stack = subprocess.run([*pytest, "--durations=25", *paths["stack"]], cwd=ROOT)
        except BaseException:  # Ctrl-C: stop the other half too
            rest.terminate()
            rest.wait()
            raise
        rest_code = rest.wait()
    print(f"\n======== unit, integration and e2e with their own servers ({log.name}) ========")
    print(log.read_text(encoding="utf-8"), end="", flush=True)
    ok = stack.returncode == 0 and rest_code == 0
    print(
        f"make test: {'passed' if ok else 'FAILED'} in {minutes(time.monotonic() - started)} "
        f"(stack: exit {stack.returncode}, rest: exit {rest_code})"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
