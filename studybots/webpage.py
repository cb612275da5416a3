"""Serve the web chat page (web/) and its configuration (/config.js).

A static page; the bots' addresses come from the environment so that ports
can change without editing the page.
"""
from __future__ import annotations

import argparse
import json
import os

from aiohttp import web

from studybots.settings import PROJECT_ROOT

WEB_DIR = PROJECT_ROOT / "web"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
# Strict-Transport-Security belongs to the TLS proxy in front of this server
# (nginx): sent over plain HTTP it would be ignored or, worse, lock a
# development host into HTTPS.


def make_app() -> web.Application:
    config = {
        "bots": {
            "tero": {"name": "Tero Termibotti", "url": os.environ.get("TERO_URL", "http://localhost:5005")},
            "paavo": {"name": "Paavo Palvelubotti", "url": os.environ.get("PAAVO_URL", "http://localhost:5006")},
        }
    }
    # No inline scripts or styles anywhere (web/ has none): nothing injected
    # into a reply can run. The page may talk only to itself and the bots.
    csp = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           f"connect-src 'self' {config['bots']['tero']['url']} {config['bots']['paavo']['url']}; "
           "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'")

    @web.middleware
    async def headers(request, handler):
        resp = await handler(request)
        resp.headers.update(SECURITY_HEADERS)
        resp.headers["Content-Security-Policy"] = csp
        return resp

    async def index(request):
        return web.FileResponse(WEB_DIR / "index.html")

    async def health(request):
        # Ready when the page's files are there (they are served from disk).
        missing = [name for name in ("index.html", "static/chat.js", "static/chat.css")
                   if not (WEB_DIR / name).is_file()]
        if missing:
            return web.json_response({"status": "not ready", "missing": missing}, status=503)
        return web.json_response({"status": "ok"})

    async def config_js(request):
        body = "window.STUDYBOTS_CONFIG = " + json.dumps(config) + ";\n"
        return web.Response(text=body, content_type="application/javascript")

    app = web.Application(middlewares=[headers])
    app.router.add_get("/", index)
    app.router.add_get("/config.js", config_js)
    app.router.add_get("/health", health)
    app.router.add_static("/static/", WEB_DIR / "static")
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--host", default=os.environ.get("WEB_INTERFACE", "127.0.0.1"))
    args = parser.parse_args()
    web.run_app(make_app(), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
