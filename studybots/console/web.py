"""The console's web side, at /toimitus/: `install` puts it on the demo page's
server (`make run`), `make_app` on a server of its own (`python -m
studybots.console serve`, its own Deployment in production).

Every handler says who may call it: `public` (the sign-in page, its CSS and
the OpenID Connect redirects) or `needs(permission)`; a handler that says
nothing needs a signed-in account. The `guard` middleware checks, on every
request, before the handler runs:

- the session (cookie -> sessions.lookup); without one a page request is
  redirected to the sign-in page (303) and anything else gets 401;
- the permission (roles.allowed), else 403 (audited);
- for every request that is not GET/HEAD: an Origin (or, without one, a
  Referer) of this console when the browser sends one, and the session's
  CSRF token in the form's `csrf` field (the sign-in form: the double-submit
  cookie), else 403 (audited).

Every response, errors included, has the demo page's security headers, a
strict Content-Security-Policy of its own (no scripts at all, styles only
from static/console.css) and Cache-Control: no-store.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp
import sqlalchemy as sa
from aiohttp import web

from studybots.console import (
    accounts,
    audit,
    history_page,
    inbox_page,
    model,
    pages,
    passwords,
    publish_page,
    publishing,
    report_page,
    sessions,
)
from studybots.console.common import (
    ENGINE,
    HTTP,
    OIDC,
    SETTINGS,
    Handler,
    blocking,
    needs,
    page,
    public,
)
from studybots.console.common import audit_event as _audit
from studybots.console.oidc import OidcClient, OidcError, account_for
from studybots.console.roles import allowed
from studybots.console.settings import ConsoleSettings
from studybots.console.texts import text
from studybots.ops.http_headers import SECURITY_HEADERS, every_response

__all__ = ["CSP", "HEADERS", "install", "make_app"]

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'; object-src 'none'"
)
HEADERS = {
    **SECURITY_HEADERS,
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store",
    # Not no-referrer: under it a browser sends `Origin: null` with every POST,
    # and the Origin check below needs the real one.
    "Referrer-Policy": "same-origin",
}
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
LOGIN_CSRF_COOKIE = "toimitus_login"
OIDC_COOKIE = "toimitus_oidc"
AUDIT_ROWS = 200

PUBLISHER: web.AppKey[publishing.Publisher | None] = web.AppKey("publisher")
RELOAD_SECONDS = 3  # the publishing page while a job runs


def session_cookie(settings: ConsoleSettings) -> str:
    return "__Secure-toimitus" if settings.secure_cookies else "toimitus"


def set_cookie(
    response: web.StreamResponse,
    settings: ConsoleSettings,
    name: str,
    value: str,
    *,
    path: str = pages.PREFIX,
    same_site: str = "Strict",
    max_age: int | None = None,
) -> None:
    response.set_cookie(
        name,
        value,
        path=path,
        httponly=True,
        secure=settings.secure_cookies,
        samesite=same_site,
        max_age=max_age,
    )


def wants_page(request: web.Request) -> bool:
    return request.method in ("GET", "HEAD") and "text/html" in request.headers.get(
        "Accept", "text/html"
    )


def same_origin(request: web.Request, settings: ConsoleSettings) -> bool:
    """Origin (or Referer) names this console; True when the browser sent neither."""
    source = request.headers.get("Origin")
    if source is None:
        referer = request.headers.get("Referer")
        if referer is None:
            return True
        parts = urlsplit(referer)
        source = f"{parts.scheme}://{parts.netloc}"
    source = source.rstrip("/")
    if settings.origins:
        return source in settings.origins
    return source != "null" and urlsplit(source).netloc == request.host


def _forbidden(request: web.Request, title_key: str, body_key: str) -> web.Response:
    lang = request.app[SETTINGS].lang
    return page(
        request, text(title_key, lang), f"<p>{pages.e(text(body_key, lang))}</p>", status=403
    )


def timeouts(settings: ConsoleSettings) -> sessions.Timeouts:
    return sessions.Timeouts(
        idle=dt.timedelta(minutes=settings.idle_minutes),
        absolute=dt.timedelta(hours=settings.absolute_hours),
    )


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not ours(request):  # the demo page's routes
        return await handler(request)
    settings = request.app[SETTINGS]
    engine = request.app[ENGINE]
    target = request.match_info.handler
    unsafe = request.method not in SAFE_METHODS
    if getattr(target, "console_public", False):
        if unsafe and not same_origin(request, settings):
            await _audit(request, "csrf_refused", None, f"{request.method} {request.path}")
            return _forbidden(request, "csrf_title", "csrf")
        return await handler(request)
    token = request.cookies.get(session_cookie(settings))
    account = await blocking(sessions.lookup, engine, token, timeouts(settings))
    if account is None:
        if wants_page(request):
            where = pages.PREFIX + "kirjaudu" + ("?loppui=1" if token else "")
            raise web.HTTPSeeOther(where)
        raise web.HTTPUnauthorized(text="401: kirjaudu ensin\n")
    assert token is not None
    request["account"] = account
    request["token"] = token
    request["csrf"] = sessions.csrf_token(token)
    if unsafe:
        form = await request.post()
        submitted = form.get("csrf")
        if not same_origin(request, settings) or not sessions.csrf_matches(
            request["csrf"], submitted if isinstance(submitted, str) else None
        ):
            await _audit(request, "csrf_refused", account.name, f"{request.method} {request.path}")
            return _forbidden(request, "csrf_title", "csrf")
    permission = getattr(target, "console_permission", None)
    if permission is not None and not allowed(account.roles, permission):
        await _audit(request, "forbidden", account.name, request.path)
        return _forbidden(request, "forbidden_title", "forbidden")
    return await handler(request)


# -- sign-in ---------------------------------------------------------------------


def _login_page(
    request: web.Request, error: str = "", note: str = "", status: int = 200
) -> web.Response:
    settings = request.app[SETTINGS]
    csrf = sessions.new_token()
    response = page(
        request,
        text("login_title", settings.lang),
        pages.login_form(settings.lang, csrf, error, note, request.app[OIDC] is not None),
        status=status,
    )
    set_cookie(response, settings, LOGIN_CSRF_COOKIE, csrf, path=pages.PREFIX + "kirjaudu")
    return response


@public
async def login_form(request: web.Request) -> web.StreamResponse:
    lang = request.app[SETTINGS].lang
    note = ""
    if request.query.get("ulos"):
        note = text("logged_out", lang)
    elif request.query.get("loppui"):
        note = text("session_ended", lang)
    return _login_page(request, note=note)


async def _start_session(
    request: web.Request, account: accounts.Account, response: web.StreamResponse
) -> None:
    settings = request.app[SETTINGS]
    old = request.cookies.get(session_cookie(settings))
    await blocking(sessions.delete, request.app[ENGINE], old)  # never reuse a session
    await blocking(sessions.purge, request.app[ENGINE], timeouts(settings))  # the expired ones
    token = await blocking(sessions.create, request.app[ENGINE], account.id)
    set_cookie(response, settings, session_cookie(settings), token)


@public
async def login(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    form = await request.post()
    submitted = form.get("csrf")
    if not sessions.csrf_matches(
        request.cookies.get(LOGIN_CSRF_COOKIE, ""),
        submitted if isinstance(submitted, str) else None,
    ):
        await _audit(request, "csrf_refused", None, "POST kirjaudu")
        return _forbidden(request, "csrf_title", "csrf")
    name, password = form.get("name"), form.get("password")
    if not isinstance(name, str) or not isinstance(password, str):
        raise web.HTTPBadRequest(text="400\n")
    lockout = accounts.Lockout(settings.lockout_failures, settings.lockout_minutes)
    account = await blocking(accounts.authenticate, request.app[ENGINE], name, password, lockout)
    if account is None:
        error = text("login_failed", settings.lang, minutes=settings.lockout_minutes)
        return _login_page(request, error=error, status=401)
    response = web.HTTPSeeOther(pages.PREFIX)
    await _start_session(request, account, response)
    response.del_cookie(LOGIN_CSRF_COOKIE, path=pages.PREFIX + "kirjaudu")
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    await blocking(sessions.delete, request.app[ENGINE], request["token"])
    await _audit(request, "logout", request["account"].name, "")
    response = web.HTTPSeeOther(pages.PREFIX + "kirjaudu?ulos=1")
    response.del_cookie(session_cookie(settings), path=pages.PREFIX)
    return response


# -- OpenID Connect --------------------------------------------------------------


def _oidc(request: web.Request) -> OidcClient:
    client = request.app[OIDC]
    if client is None:
        raise web.HTTPNotFound()
    return client


@public
async def oidc_begin(request: web.Request) -> web.StreamResponse:
    client = _oidc(request)
    try:
        url, state = await client.begin(request.app[ENGINE])
    except (OidcError, aiohttp.ClientError, asyncio.TimeoutError) as exc:
        log.warning("OpenID Connect: %s", exc)
        lang = request.app[SETTINGS].lang
        return _login_page(request, error=text("oidc_failed", lang), status=502)
    response = web.HTTPSeeOther(url)
    # Lax: the provider's redirect back is a cross-site navigation.
    set_cookie(
        response,
        request.app[SETTINGS],
        OIDC_COOKIE,
        state,
        path=pages.PREFIX + "oidc/",
        same_site="Lax",
        max_age=600,
    )
    return response


@public
async def oidc_callback(request: web.Request) -> web.StreamResponse:
    client = _oidc(request)
    settings = request.app[SETTINGS]
    engine = request.app[ENGINE]
    lang = settings.lang
    try:
        if "error" in request.query:
            raise OidcError(f"the provider says {request.query['error'][:100]!r}")
        flow = await blocking(
            client.take_flow,
            engine,
            request.query.get("state", ""),
            request.cookies.get(OIDC_COOKIE),
        )
        claims = await client.finish(request.query.get("code", ""), flow)
    except (OidcError, aiohttp.ClientError, asyncio.TimeoutError) as exc:
        log.warning("OpenID Connect: %s", exc)
        await _audit(request, "login_failed", None, f"OIDC: {str(exc)[:200]}")
        return _login_page(request, error=text("oidc_failed", lang), status=401)
    account = await blocking(account_for, engine, client.settings, claims)
    if account is None:
        return _login_page(request, error=text("oidc_no_account", lang), status=403)
    # A page, not a redirect: the browser sends the new SameSite=Strict cookie
    # only on a navigation that starts here, not at the provider.
    body = f'<p><a href="{pages.PREFIX}">{pages.e(text("oidc_continue", lang))}</a></p>'
    html = pages.layout(text("login_title", lang), body, lang, refresh=pages.PREFIX)
    response = web.Response(text=html, content_type="text/html", charset="utf-8")
    await _start_session(request, account, response)
    response.del_cookie(OIDC_COOKIE, path=pages.PREFIX + "oidc/")
    return response


# -- pages -----------------------------------------------------------------------


async def home(request: web.Request) -> web.StreamResponse:
    lang = request.app[SETTINGS].lang
    return page(
        request,
        text("home_title", lang),
        pages.home(request["account"], lang),
        current=pages.PREFIX,
    )


def _accounts_body(request: web.Request, note: str = "", error: str = "") -> str:
    settings = request.app[SETTINGS]
    with request.app[ENGINE].connect() as connection:
        everyone = accounts.everyone(connection)
    body = pages.accounts_page(
        everyone,
        settings.lang,
        request["csrf"],
        passwords.MIN_LENGTH,
        request.app[OIDC] is not None,
        note,
    )
    return (pages.error_note(error) if error else "") + body


@needs("accounts")
async def accounts_page(request: web.Request) -> web.StreamResponse:
    lang = request.app[SETTINGS].lang
    name = request.query.get("tehty", "")
    done = request.query.get("toiminto", "")
    note = text(f"done_{done}", lang, name=name) if f"done_{done}" in DONE_KEYS else ""
    body = await blocking(_accounts_body, request, note)
    return page(request, text("accounts_title", lang), body, current=pages.PREFIX + "tunnukset")


DONE_KEYS = {
    "done_created",
    "done_roles",
    "done_disabled",
    "done_enabled",
    "done_unlocked",
    "done_password",
}
CHANGES: dict[str, tuple[str, Callable[..., Any]]] = {
    "roles": ("roles", accounts.set_roles),
    "disable": ("disabled", accounts.disable),
    "enable": ("enabled", accounts.enable),
    "unlock": ("unlocked", accounts.unlock),
    "password": ("password", accounts.set_password),
}


@needs("accounts")
async def change_account(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    engine = request.app[ENGINE]
    actor = request["account"].name
    form = await request.post()
    action, name = form.get("action"), form.get("name")
    if not isinstance(action, str) or not isinstance(name, str):
        raise web.HTTPBadRequest(text="400\n")
    roles = [r for r in form.getall("roles", []) if isinstance(r, str)]
    password = form.get("password")
    password = password if isinstance(password, str) else ""
    try:
        if action == "create":
            if not password and request.app[OIDC] is None:  # no other way to sign in
                raise accounts.AccountError(passwords.policy_message())
            await blocking(accounts.create, engine, name, roles, password or None, actor)
            done = "created"
        elif action in CHANGES:
            done, change = CHANGES[action]
            if action == "roles":
                await blocking(change, engine, name, roles, actor)
            elif action == "password":
                await blocking(change, engine, name, password, actor)
            else:
                await blocking(change, engine, name, actor)
        else:
            raise web.HTTPBadRequest(text="400\n")
    except accounts.AccountError as exc:
        body = await blocking(_accounts_body, request, "", str(exc))
        return page(
            request,
            text("accounts_title", settings.lang),
            body,
            status=400,
            current=pages.PREFIX + "tunnukset",
        )
    raise web.HTTPSeeOther(
        pages.PREFIX + "tunnukset?" + urlencode({"toiminto": done, "tehty": name})
    )


@needs("audit")
async def audit_page(request: web.Request) -> web.StreamResponse:
    lang = request.app[SETTINGS].lang

    def entries() -> list[audit.Entry]:
        with request.app[ENGINE].connect() as connection:
            return audit.recent(connection, AUDIT_ROWS)

    body = pages.audit_page(await blocking(entries), lang)
    return page(request, text("audit_title", lang), body, current=pages.PREFIX + "loki")


@needs("report")
async def report(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    lang = settings.lang
    today = dt.datetime.now(audit.LOCAL_TZ).date()
    period = report_page.parse_period(request.query, today)
    current = pages.PREFIX + "raportti"
    if period is None:
        first, last = report_page.default_period(today)
        body = pages.error_note(text("report_bad_period", lang)) + pages.period_form(
            lang, first, last
        )
        return page(request, text("report_title", lang), body, status=400, current=current)
    first, last = period
    fragment = await blocking(report_page.render, settings, first, last, lang)
    body = pages.period_form(lang, first, last) + f'<div class="report">{fragment}</div>'
    return page(request, text("report_title", lang), body, current=current, heading=False)


# -- publishing ------------------------------------------------------------------


def _publishing_body(request: web.Request, note: str = "") -> str:
    settings = request.app[SETTINGS]
    publisher = request.app[PUBLISHER]
    if publisher is None or settings.models_dir is None:
        return pages.error_note(text("publish_unavailable", settings.lang))
    return publish_page.body(
        publisher.job,
        publishing.read_verdicts(settings.models_dir),
        publishing.read_history(settings.models_dir),
        settings.lang,
        request["csrf"],
        allowed(request["account"].roles, "rollback"),
        note,
    )


def _publishing_page(request: web.Request, body: str, status: int = 200) -> web.Response:
    publisher = request.app[PUBLISHER]
    running = publisher is not None and publisher.job is not None and publisher.job.running
    return page(
        request,
        text("publish_title", request.app[SETTINGS].lang),
        body,
        status=status,
        current=publish_page.PATH,
        reload=RELOAD_SECONDS if running else 0,
    )


@needs("publish")
async def publishing_view(request: web.Request) -> web.StreamResponse:
    return _publishing_page(request, await blocking(_publishing_body, request))


async def _start(request: web.Request, action: str) -> web.StreamResponse:
    publisher = request.app[PUBLISHER]
    if publisher is None:
        raise web.HTTPNotFound(text="404\n")
    account = request["account"].name
    try:
        publisher.start(action, account)
    except publishing.Busy:
        note = text("publish_busy", request.app[SETTINGS].lang)
        return _publishing_page(request, await blocking(_publishing_body, request, note), 409)
    await _audit(request, "publish_started", account, action)
    raise web.HTTPSeeOther(publish_page.PATH)


@needs("publish")
async def start_publish(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    action = form.get("action")
    if action not in ("publish", "force"):
        raise web.HTTPBadRequest(text="400\n")
    return await _start(request, str(action))


@needs("rollback")
async def start_rollback(request: web.Request) -> web.StreamResponse:
    return await _start(request, "rollback")


def _audit_finished(engine: sa.engine.Engine) -> Callable[[publishing.Job], Awaitable[None]]:
    async def finished(job: publishing.Job) -> None:
        def write() -> None:
            with engine.begin() as connection:
                audit.record(
                    connection,
                    "publish_finished",
                    job.account,
                    f"{job.action}: exit {job.returncode}",
                )

        await blocking(write)

    return finished


# -- the application -------------------------------------------------------------


@public
async def stylesheet(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "console.css", headers={"Content-Type": "text/css"})


@public
async def slash(request: web.Request) -> web.StreamResponse:
    raise web.HTTPPermanentRedirect(pages.PREFIX)


ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "", home),
    ("GET", "kirjaudu", login_form),
    ("POST", "kirjaudu", login),
    ("POST", "ulos", logout),
    ("GET", "oidc/kirjaudu", oidc_begin),
    ("GET", "oidc/paluu", oidc_callback),
    ("GET", "tunnukset", accounts_page),
    ("POST", "tunnukset", change_account),
    ("GET", "loki", audit_page),
    ("GET", "raportti", report),
    ("GET", "saapuneet", inbox_page.show),
    ("POST", "saapuneet", inbox_page.decide),
    ("GET", "saapuneet/uusi-termi", inbox_page.new_term_form),
    ("POST", "saapuneet/uusi-termi", inbox_page.new_term),
    ("GET", "saapuneet/ehdotukset", inbox_page.show_suggestions),
    ("POST", "saapuneet/ehdotukset", inbox_page.confirm_suggestion),
    ("GET", "historia", history_page.show),
    ("GET", "historia/{versio:[0-9a-f]{40}}", history_page.change),
    ("GET", "historia/{versio:[0-9a-f]{40}}/palauta", history_page.restore_preview),
    ("POST", "historia/{versio:[0-9a-f]{40}}/palauta", history_page.restore),
    ("GET", "julkaisu", publishing_view),
    ("POST", "julkaisu", start_publish),
    ("POST", "julkaisu/palauta", start_rollback),
    ("GET", "static/console.css", stylesheet),
)


def ours(request: web.Request) -> bool:
    return request.path == pages.PREFIX.rstrip("/") or request.path.startswith(pages.PREFIX)


def install(
    app: web.Application, settings: ConsoleSettings, engine: sa.engine.Engine | None = None
) -> None:
    """Put the console at /toimitus/ of `app` (the demo page's server or a
    server of its own: `make_app`). Its tables are created when `app` starts;
    `engine` defaults to one for settings.database_url.

    The console's routes are routes of `app` itself, not a sub-application:
    aiohttp 3.9 resolves a sub-application with `request.url`, which fails
    with the yarl of uv.lock whenever the Host header has a port."""
    app[SETTINGS] = settings
    app[ENGINE] = engine or model.make_engine(settings.database_url)
    app[OIDC] = None
    app[PUBLISHER] = None
    app.middlewares.append(guard)

    async def headers(request: web.Request, response: web.StreamResponse) -> None:
        if ours(request):  # after the server's own: these win
            response.headers.update(HEADERS)

    async def start(app: web.Application) -> None:
        await blocking(model.ensure_schema, app[ENGINE])
        threading.Thread(
            target=inbox_page.warm, args=(settings,), name="inbox-warm-up", daemon=True
        ).start()
        if settings.oidc is not None:
            app[HTTP] = aiohttp.ClientSession()
            app[OIDC] = OidcClient(settings.oidc, app[HTTP])
        if settings.models_dir is not None:
            environ = settings.publish_environ
            app[PUBLISHER] = publishing.Publisher(
                os.environ if environ is None else environ,
                on_finish=_audit_finished(app[ENGINE]),
            )

    async def stop(app: web.Application) -> None:
        publisher = app[PUBLISHER]
        if publisher is not None:
            await publisher.close()
        if HTTP in app:
            await app[HTTP].close()
        if engine is None:
            app[ENGINE].dispose()

    app.on_response_prepare.append(headers)  # type: ignore[arg-type]  # aiohttp types its signals wrongly
    app.on_startup.append(start)  # type: ignore[arg-type]
    app.on_cleanup.append(stop)  # type: ignore[arg-type]
    app.router.add_get(pages.PREFIX.rstrip("/"), slash)
    for method, path, handler in ROUTES:
        app.router.add_route(method, pages.PREFIX + path, handler)


def make_app(settings: ConsoleSettings, engine: sa.engine.Engine | None = None) -> web.Application:
    """The console on a server of its own: /toimitus/ and a /health for probes."""
    app = web.Application()
    every_response(app, HEADERS)

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_get("/health", health)
    install(app, settings, engine)
    return app
