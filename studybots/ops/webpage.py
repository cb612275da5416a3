"""Serve the demo page of the web chat widget (web/).

The page (web/index.html) looks like a city's site for students and embeds
the widget the way any website would: one script tag with a few data-*
attributes. With --console the same server has the editors' console at
/toimitus/ (studybots/console). The bots' addresses come from the environment (TERO_URL,
PAAVO_URL) so that ports can change without editing the page; they are put
into the page's {{TERO_URL}} and {{PAAVO_URL}} placeholders, HTML-escaped.

Every response, errors included, carries the security headers below and the
page's Content-Security-Policy: they are set when a response is prepared, the
last step before its headers go out, so also on the 404, 405 and 500 pages
aiohttp builds outside any middleware, and on the 400 for a request that
could not even be parsed (studybots/ops/http_headers.py). The `Server`
header names no software or version.
"""

from __future__ import annotations

import argparse
import html
import os
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiohttp import web

from studybots.core.settings import PROJECT_ROOT
from studybots.ops.http_headers import SECURITY_HEADERS, every_response

if TYPE_CHECKING:
    from studybots.console.settings import ConsoleSettings

WEB_DIR = PROJECT_ROOT / "web"
REQUIRED_FILES = (
    "index.html",
    "static/widget/studybots-widget.js",
    "static/widget/studybots-widget.css",
    "static/vendor/socket.io.min.js",
)
# Strict-Transport-Security belongs to the TLS proxy in front of this server
# (nginx): sent over plain HTTP it would be ignored or, worse, lock a
# development host into HTTPS.


def websocket_origin(url: str) -> str:
    """ws:// (or wss://) origin of a bot's http(s) address, for connect-src."""
    parts = urlsplit(url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}"


def content_security_policy(bot_urls: list[str]) -> str:
    connect = " ".join(f"{url} {websocket_origin(url)}" for url in bot_urls)
    # No inline scripts or styles anywhere (web/ has none): nothing injected
    # into a reply can run. The page may talk only to itself and the bots.
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {connect}; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'; object-src 'none'"
    )


def make_app(console: ConsoleSettings | None = None) -> web.Application:
    """The demo page; with `console`, the editors' console at /toimitus/
    (its own headers and Content-Security-Policy: studybots/console/web.py)."""
    bots = {
        "TERO_URL": os.environ.get("TERO_URL", "http://localhost:5005").rstrip("/"),
        "PAAVO_URL": os.environ.get("PAAVO_URL", "http://localhost:5006").rstrip("/"),
    }
    csp = content_security_policy(list(bots.values()))
    page = (WEB_DIR / "index.html").read_text(encoding="utf-8")
    for name, url in bots.items():
        page = page.replace("{{" + name + "}}", html.escape(url, quote=True))

    async def index(request):
        return web.Response(
            text=page,
            content_type="text/html",
            charset="utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    async def health(request):
        # Ready when the page's files are there (they are served from disk).
        missing = [name for name in REQUIRED_FILES if not (WEB_DIR / name).is_file()]
        if missing:
            return web.json_response({"status": "not ready", "missing": missing}, status=503)
        return web.json_response({"status": "ok"})

    app = web.Application()
    every_response(app, {**SECURITY_HEADERS, "Content-Security-Policy": csp})
    app.router.add_get("/", index)
    app.router.add_get("/health", health)
    app.router.add_static("/static/", WEB_DIR / "static")
    if console is not None:
        from studybots.console.web import install

        install(app, console)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--host", default=os.environ.get("WEB_INTERFACE", "127.0.0.1"))
    parser.add_argument(
        "--console",
        action="store_true",
        help="serve the editors' console at /toimitus/ too (make run's embedded profile)",
    )
    args = parser.parse_args()
    console = None
    if args.console:
        from studybots.console.settings import (
            ConsoleConfigError,
            check_interface,
            load_console_settings,
        )

        try:
            console = load_console_settings()
            check_interface(console, args.host)
        except ConsoleConfigError as exc:
            raise SystemExit(f"web page: {exc}") from None
    web.run_app(make_app(console), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
