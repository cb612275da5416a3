"""`rasa run` for the bots, with the project's safeguards installed first.

    python -m studybots.bot.server run --port 5005 ... [--enable-api]

* Rasa extensions (studybots.bot.extensions): the hot model swap, a cached
  action-response validator, and the JSON log format.
* Log privacy (studybots.privacy.log_filter): no message text or sender id in the
  logs, whatever the log level, installed before Rasa configures logging.
* Rasa's HTTP API (`/conversations/...`, `/model/parse`, ...) is off unless
  `--enable-api` is given, and then only with a token: RASA_API_TOKEN is
  passed to Rasa as `--auth-token` here, inside the process, so the token
  does not show in `ps` or /proc/<pid>/cmdline. `--enable-api` without a
  token (or a JWT secret) is refused.
* A call to an action server that refuses connections (restarting) is
  tried again for a few seconds (studybots.bot.action_retry).
* With several Sanic workers, one that dies is replaced by the main process
  (studybots.bot.workers); the supervisor restarts the main process.
* Secrets mounted as files (STUDYBOTS_SECRETS_DIR, studybots.core.secret_files)
  become environment variables first, so Rasa's `${VAR}` finds them.
"""

from __future__ import annotations

import os
import sys

TOKEN_ENV = "RASA_API_TOKEN"


def _arguments(argv: list[str]) -> list[str]:
    argv = list(argv)
    if "--enable-api" not in argv:
        return argv
    has_auth = any(
        a in ("--auth-token", "-t", "--jwt-secret")
        or a.startswith("--auth-token=")
        or a.startswith("--jwt-secret=")
        for a in argv
    )
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not has_auth:
        if not token:
            raise SystemExit(
                f"--enable-api needs a token: set {TOKEN_ENV} (the HTTP API "
                "reads and changes conversations, it is never open)"
            )
        argv += ["--auth-token", token]
    return argv


def main() -> None:
    from studybots.core import secret_files

    secret_files.export()  # before Rasa reads ${...} in endpoints.production.yml
    from studybots.bot import action_retry, extensions, workers
    from studybots.privacy import log_filter

    log_filter.install()
    extensions.install()
    workers.install()  # a Sanic worker that dies is replaced (SANIC_WORKERS > 1)
    action_retry.install()  # wait for a restarting action server instead of failing
    sys.argv = ["rasa", *_arguments(sys.argv[1:])]
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
