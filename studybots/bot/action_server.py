"""The action server (rasa_sdk), listening only where the bots reach it, with
a readiness check.

    python -m studybots.bot.action_server --actions actions --port 5055

* Listens on ACTION_INTERFACE (default 127.0.0.1). rasa_sdk itself binds
  SANIC_HOST, default 0.0.0.0, i.e. every address of the machine; nobody but
  the bots should call the actions, so this sets SANIC_HOST from
  ACTION_INTERFACE (an inherited SANIC_HOST is ignored).
* `GET /health` (rasa_sdk's) answers while the process runs;
  `GET /ready` answers 200 only when the catalogue loads, the service finder
  is built and the service database answers, else 503 with the reason.
* Every other request (`POST /webhook`, `GET /actions`) must present the
  internal token (studybots.core.internal_token) as `Authorization: Bearer ...`;
  without it the answer is 401 and no action runs. The bots send it through
  the `headers` of `action_endpoint` in endpoints*.yml.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import pluggy

hookimpl = pluggy.HookimplMarker("rasa_sdk")
INTERFACE_ENV = "ACTION_INTERFACE"
# Probes (Kubernetes cannot send a secret) see no data: open without the token.
OPEN_PATHS = frozenset({"/health", "/ready"})
_engine: Any = None


def readiness() -> dict[str, Any]:
    """Raises if the actions could not answer right now."""
    global _engine
    import sqlalchemy as sa

    from actions import state
    from studybots.core import db

    started = time.monotonic()
    catalogue = state.catalogue()
    state.finder()
    if _engine is None:
        _engine = db.engine(state.current().settings.database_url)
    with _engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
    return {"terms": len(catalogue.terms), "ms": round((time.monotonic() - started) * 1000)}


class Readiness:
    """The readiness endpoint and the token check, attached to rasa_sdk's app."""

    def __init__(self, token: str) -> None:
        self.token = token

    @hookimpl
    def attach_sanic_app_extensions(self, app: Any) -> None:
        from sanic import response

        from studybots.core.internal_token import authorized
        from studybots.privacy import log_format

        log_format.apply_from_env()  # rasa_sdk has configured its handlers by now
        token = self.token

        @app.on_request
        async def require_token(request: Any) -> Any:
            if request.path in OPEN_PATHS:
                return None
            if authorized(request.headers.get("authorization"), token):
                return None
            return response.json(
                {"error": "unauthorized", "message": "internal token missing or wrong"},
                status=401,
                headers={"WWW-Authenticate": "Bearer"},
            )

        @app.get("/ready")
        async def ready(_request: Any) -> Any:
            try:
                detail = await asyncio.get_running_loop().run_in_executor(None, readiness)
            except Exception as exc:
                return response.json(
                    {"status": "not ready", "reason": type(exc).__name__}, status=503
                )
            return response.json({"status": "ok", **detail})


def main() -> None:
    from studybots.core import secret_files

    secret_files.export()
    os.environ["SANIC_HOST"] = os.environ.get(INTERFACE_ENV, "").strip() or "127.0.0.1"
    from rasa_sdk.__main__ import main as sdk_main
    from rasa_sdk.plugin import plugin_manager

    from studybots.core.internal_token import load_token
    from studybots.core.settings import load_settings

    plugin_manager().register(Readiness(load_token(load_settings().var_dir)))
    sdk_main()


if __name__ == "__main__":
    main()
