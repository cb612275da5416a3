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
    "X-Frame-Options": "SAMEORIGIN",
}


def make_app() -> web.Application:
    config = {
        "bots": {
            "tero": {"name": "Tero Termibotti", "url": os.environ.get("TERO_URL", "http://localhost:5005")},
            "paavo": {"name": "Paavo Palvelubotti", "url": os.environ.get("PAAVO_URL", "http://localhost:5006")},
        }
    }
    csp = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           f"connect-src 'self' {config['bots']['tero']['url']} {config['bots']['paavo']['url']}")

    @web.middleware
    async def headers(request, handler):
        resp = await handler(request)
        resp.headers.update(SECURITY_HEADERS)
        resp.headers["Content-Security-Policy"] = csp
        return resp

    async def index(request):
        return web.FileResponse(WEB_DIR / "index.html")

    async def config_js(request):
        body = "window.STUDYBOTS_CONFIG = " + json.dumps(config) + ";\n"
        return web.Response(text=body, content_type="application/javascript")

    app = web.Application(middlewares=[headers])
    app.router.add_get("/", index)
    app.router.add_get("/config.js", config_js)
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
