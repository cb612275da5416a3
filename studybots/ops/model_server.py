"""Serve the published models to the running bots (Rasa's model server protocol).

Every Sanic worker of every bot polls `GET /models/<bot>.tar.gz` with the
fingerprint of the model it runs in `If-None-Match`. The answer is 304 while
the published file is unchanged, and the new archive with its SHA-256 as
`ETag` once `studybots.training.publish` has replaced it; the worker then loads it
beside the old one and switches over (see `studybots.bot.extensions`). Nothing restarts.

It listens on 127.0.0.1 only: models are not for the public. Every model
request must present the internal token (studybots.core.internal_token) as
`Authorization: Bearer ...`, which the bots send through the `headers` of
`models` in endpoints*.yml; without it the answer is 401. `/health` is open
(probes cannot send a secret, and it tells nothing).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from studybots.core import secret_files
from studybots.core.internal_token import authorized, load_token
from studybots.core.settings import load_settings
from studybots.ops.http_headers import every_response
from studybots.privacy import log_format
from studybots.training.model_files import content_digest, model_path

logger = logging.getLogger("studybots.ops.model_server")

BOT_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


@dataclass
class _Cached:
    key: tuple[int, int, int]
    digest: str
    body: bytes


class ModelFiles:
    """Published archives with their digests, re-read only when a file changes."""

    def __init__(self, models_dir: Path) -> None:
        self.models_dir = models_dir
        self._cache: dict[str, _Cached] = {}

    def get(self, bot: str) -> _Cached | None:
        path = model_path(bot, self.models_dir)
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        key = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        cached = self._cache.get(bot)
        if cached is None or cached.key != key:
            body = path.read_bytes()
            cached = _Cached(key, content_digest(path), body)
            self._cache[bot] = cached
        return cached


def make_app(models_dir: Path, token: str) -> web.Application:
    files = ModelFiles(models_dir)

    @web.middleware
    async def require_token(request: web.Request, handler) -> web.StreamResponse:
        if request.path == "/health" or authorized(request.headers.get("Authorization"), token):
            return await handler(request)
        return web.json_response(
            {"error": "unauthorized"}, status=401, headers={"WWW-Authenticate": "Bearer"}
        )

    async def model(request: web.Request) -> web.StreamResponse:
        bot = request.match_info["bot"]
        if not BOT_NAME.match(bot):
            return web.json_response({"error": "unknown model"}, status=404)
        found = await asyncio.get_running_loop().run_in_executor(None, files.get, bot)
        if found is None:
            return web.json_response({"error": f"no published model for {bot}"}, status=404)
        etag = f'"{found.digest}"'
        seen = request.headers.get("If-None-Match", "").strip()
        if seen in (etag, found.digest):
            return web.Response(status=304, headers={"ETag": etag})
        logger.info("serving %s model %s", bot, found.digest[:12])
        return web.Response(
            body=found.body,
            content_type="application/gzip",
            headers={"ETag": etag, "filename": f"{bot}.tar.gz"},
        )

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application(middlewares=[require_token])
    every_response(app, {"X-Content-Type-Options": "nosniff"})
    app.router.add_get("/health", health)
    app.router.add_get("/models/{bot}.tar.gz", model)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5070)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--models-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    log_format.apply_from_env()
    secret_files.export()
    settings = load_settings()
    models_dir = args.models_dir or settings.models_dir
    token = load_token(settings.var_dir)
    web.run_app(
        make_app(models_dir, token), host=args.host, port=args.port, access_log=None, print=None
    )


if __name__ == "__main__":
    main()
