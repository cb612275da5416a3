"""The editors' console over real HTTP on a real port, with a real SQLite file:
nothing answers without a login, sign-in and logout, CSRF and Origin checks,
role checks, lockout after five wrong passwords, and the audit log of all of it.
The console runs on its own (make_app) and inside the demo page's server."""

from __future__ import annotations

import asyncio
import re

import pytest
import sqlalchemy as sa

from studybots.console import model, web
from studybots.console.audit import ACTIONS
from studybots.ops import webpage
from tests.support.console import (
    PASSWORD,
    PREFIX,
    Browser,
    add_account,
    console_settings,
    serving,
)

GET_PAGES = [
    "",
    "tunnukset",
    "loki",
    "raportti",
    "julkaisu",
    "ei-ole",
    "oidc/ei-ole",
    "static/../tunnukset",
]
POSTS = ["ulos", "tunnukset", "kirjaudu/ei-ole", "loki", "julkaisu", "julkaisu/palauta"]
PUBLIC = ["kirjaudu", "static/console.css"]


def audit_rows(settings) -> list[dict]:
    engine = model.make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.select(model.audit).order_by(model.audit.c.id))
            return [dict(r) for r in rows.mappings()]
    finally:
        engine.dispose()


def run(scenario):
    return asyncio.run(asyncio.wait_for(scenario(), 60))


@pytest.fixture()
def settings(tmp_path):
    s = console_settings(tmp_path)
    add_account(s, "paula", ["admin"])
    add_account(s, "anna", ["analyst"])
    add_account(s, "eero", ["editor", "publisher"])
    return s


def test_nothing_answers_without_a_login_but_the_login_page_and_its_css(settings):
    async def scenario():
        async with serving(web.make_app(settings)) as base:
            browser = Browser(base)
            try:
                for path in GET_PAGES:
                    status, _, response = await browser.get(PREFIX + path)
                    assert status == 303, path
                    assert response.headers["Location"] == PREFIX + "kirjaudu", path
                    status, _, _ = await browser.get(
                        PREFIX + path, headers={"Accept": "application/json"}
                    )
                    assert status == 401, path
                for path in POSTS:
                    status, _, _ = await browser.post(PREFIX + path, {"csrf": "x"})
                    assert status in (401, 403), path
                for path in PUBLIC:
                    status, _, response = await browser.get(PREFIX + path)
                    assert status == 200, path
                status, _, response = await browser.get(PREFIX.rstrip("/"))
                assert status == 308 and response.headers["Location"] == PREFIX
            finally:
                await browser.close()

    run(scenario)


def test_login_landing_per_role_and_logout(settings):
    async def scenario():
        async with serving(web.make_app(settings)) as base:
            browser = Browser(base)
            try:
                assert await browser.login("eero") == 303
                status, body, response = await browser.get(PREFIX)
                assert status == 200
                assert '<html lang="fi">' in body
                assert "toimittaja, julkaisija" in body
                assert "julkaista muutokset" in body and "hallita tunnuksia" not in body
                # The pages: no scripts, no inline styles, a CSP that allows none.
                assert "<script" not in body and "style=" not in body and "<style" not in body
                csp = response.headers["Content-Security-Policy"]
                assert "default-src 'none'" in csp and "unsafe-inline" not in csp
                assert "script-src" not in csp  # default-src 'none': no scripts at all
                assert response.headers["Cache-Control"] == "no-store"
                assert response.headers["X-Frame-Options"] == "DENY"
                token = browser.http.cookie_jar.filter_cookies(base + PREFIX)["toimitus"].value
                status, _, response = await browser.post(PREFIX + "ulos", {"csrf": browser.csrf})
                assert status == 303
                assert response.headers["Location"] == PREFIX + "kirjaudu?ulos=1"
                status, _, _ = await browser.get(PREFIX)
                assert status == 303
            finally:
                await browser.close()
            # The old token no longer signs in, even if a browser kept it.
            replay = Browser(base)
            try:
                replay.http.cookie_jar.update_cookies({"toimitus": token})
                status, _, _ = await replay.get(PREFIX)
                assert status == 303
            finally:
                await replay.close()

    run(scenario)
    actions = [(r["account"], r["action"]) for r in audit_rows(settings)]
    assert ("eero", "login") in actions and ("eero", "logout") in actions


def test_a_post_without_or_with_a_wrong_csrf_token_or_origin_is_refused(settings):
    async def scenario():
        async with serving(web.make_app(settings)) as base:
            browser = Browser(base)
            try:
                assert await browser.login("paula") == 303
                good = {"action": "create", "name": "uusi", "password": PASSWORD}
                for data, origin in [
                    (good, "same"),  # no token
                    ({**good, "csrf": "0" * 64}, "same"),  # a wrong one
                    ({**good, "csrf": browser.csrf}, "http://evil.example"),
                    ({**good, "csrf": browser.csrf}, "null"),
                ]:
                    status, body, _ = await browser.post(PREFIX + "tunnukset", data, origin)
                    assert status == 403, (data, origin)
                    assert "Lomake ei ollut voimassa" in body
                # Referer of another site, no Origin: refused too.
                status, _, _ = await browser.post(
                    PREFIX + "tunnukset",
                    {**good, "csrf": browser.csrf},
                    origin=None,
                    headers={"Referer": "http://evil.example/page"},
                )
                assert status == 403
                _, listing, _ = await browser.get(PREFIX + "tunnukset")
                assert "uusi" not in listing
                # The right token from this origin works.
                status, _, response = await browser.post(
                    PREFIX + "tunnukset", {**good, "csrf": browser.csrf, "roles": "editor"}
                )
                assert status == 303, _
                status, body, _ = await browser.get(response.headers["Location"])
                assert "Tunnus uusi luotu." in body
                # The login form's own token (double submit) is checked too.
                other = Browser(base)
                try:
                    await other.get(PREFIX + "kirjaudu")
                    status, _, _ = await other.post(
                        PREFIX + "kirjaudu",
                        {"csrf": "x" * 43, "name": "paula", "password": PASSWORD},
                    )
                    assert status == 403
                finally:
                    await other.close()
            finally:
                await browser.close()

    run(scenario)
    refused = [r for r in audit_rows(settings) if r["action"] == "csrf_refused"]
    assert len(refused) == 6
    assert {r["account"] for r in refused} == {"paula", None}


def test_an_analyst_cannot_reach_the_admin_pages_but_reads_the_report(settings):
    async def scenario():
        async with serving(web.make_app(settings)) as base:
            browser = Browser(base)
            try:
                assert await browser.login("anna") == 303
                for path in ("tunnukset", "loki"):
                    status, body, _ = await browser.get(PREFIX + path)
                    assert status == 403, path
                    assert "Tunnuksellasi ei ole oikeutta" in body
                status, _, _ = await browser.post(
                    PREFIX + "tunnukset",
                    {"csrf": browser.csrf, "action": "roles", "name": "anna", "roles": "admin"},
                )
                assert status == 403
                status, body, _ = await browser.get(
                    PREFIX + "raportti?from=2026-09-01&to=2026-09-30"
                )
                assert status == 200
                assert "Mitä boteilta kysytään" in body and "Yhteenveto" in body
                assert "<style" not in body and "<script" not in body
                status, _, _ = await browser.get(PREFIX + "raportti?from=2026-09-30&to=2026-09-01")
                assert status == 400
            finally:
                await browser.close()
            # An admin does not read the report either: it is the analyst's.
            admin = Browser(base)
            try:
                assert await admin.login("paula") == 303
                status, _, _ = await admin.get(PREFIX + "raportti")
                assert status == 403
                status, body, _ = await admin.get(PREFIX + "loki")
                assert status == 200 and "pääsy estetty" in body
            finally:
                await admin.close()

    run(scenario)
    forbidden = [r for r in audit_rows(settings) if r["action"] == "forbidden"]
    assert [r["account"] for r in forbidden] == ["anna", "anna", "anna", "paula"]
    # The role change was not made.
    assert not any(r["action"] == "roles_changed" for r in audit_rows(settings))


def test_five_wrong_passwords_lock_the_account_and_an_admin_unlocks_it(settings):
    async def scenario():
        async with serving(web.make_app(settings)) as base:
            browser = Browser(base)
            try:
                for attempt in range(5):
                    assert await browser.login("eero", f"vaara-salasana-{attempt}") == 401
                # The 6th attempt, with the right password, is refused: locked.
                assert await browser.login("eero") == 401
                # An unknown name gets the same answer.
                await browser.get(PREFIX + "kirjaudu")
                status, unknown, _ = await browser.post(
                    PREFIX + "kirjaudu",
                    {"csrf": browser.csrf, "name": "ei-ketaan", "password": "jotain-salaista-123"},
                )
                assert status == 401
                await browser.get(PREFIX + "kirjaudu")
                status, wrong, _ = await browser.post(
                    PREFIX + "kirjaudu",
                    {"csrf": browser.csrf, "name": "anna", "password": "jotain-salaista-123"},
                )
                assert status == 401
                strip = re.compile(r'value="[^"]*"')
                assert strip.sub("", unknown) == strip.sub("", wrong)
                admin = Browser(base)
                try:
                    assert await admin.login("paula") == 303
                    _, page, _ = await admin.get(PREFIX + "tunnukset")
                    assert "lukittu" in page
                    status, _, _ = await admin.post(
                        PREFIX + "tunnukset",
                        {"csrf": admin.csrf, "action": "unlock", "name": "eero"},
                    )
                    assert status == 303
                finally:
                    await admin.close()
                assert await browser.login("eero") == 303
            finally:
                await browser.close()

    run(scenario)
    rows = audit_rows(settings)
    eero = [r["action"] for r in rows if r["account"] == "eero"]
    assert eero == ["login_failed"] * 5 + ["login_locked", "login_failed", "login"]
    assert any(r["action"] == "login_failed" and r["account"] is None for r in rows)
    assert ("paula", "account_unlocked") in [(r["account"], r["action"]) for r in rows]
    # No password, right or wrong, in the audit log.
    text = repr(rows)
    assert "vaara-salasana" not in text and PASSWORD not in text and "salaista" not in text
    assert "ei-ketaan" not in text
    assert {r["action"] for r in rows} <= set(ACTIONS)


def test_an_admin_manages_accounts_and_a_disabled_account_is_signed_out(settings):
    async def scenario():
        async with serving(web.make_app(settings)) as base:
            editor = Browser(base)
            admin = Browser(base)
            try:
                assert await editor.login("eero") == 303
                assert await admin.login("paula") == 303

                async def change(**data):
                    return await admin.post(PREFIX + "tunnukset", {"csrf": admin.csrf, **data})

                status, body, _ = await change(action="create", name="lyhyt", password="lyhyt")
                assert status == 400 and "vähintään 12 merkkiä" in body
                status, body, _ = await change(action="create", name="<b>x", password=PASSWORD)
                assert status == 400 and "<b>x" not in body
                status, _, _ = await change(action="roles", name="paula", roles="editor")
                assert status == 400  # not one's own admin role
                status, _, _ = await change(action="disable", name="eero")
                assert status == 303
                status, _, _ = await editor.get(PREFIX)
                assert status == 303  # signed out at once
                assert await editor.login("eero") == 401
                await change(action="enable", name="eero")
                await change(action="roles", name="eero", roles=["analyst"])
                assert await editor.login("eero") == 303
                status, body, _ = await editor.get(PREFIX)
                assert "analyytikko" in body and "toimittaja" not in body
            finally:
                await editor.close()
                await admin.close()

    run(scenario)
    actions = [r["action"] for r in audit_rows(settings) if r["account"] == "paula"]
    assert {"account_disabled", "account_enabled", "roles_changed"} <= set(actions)


def test_cookies_are_secure_unless_plain_http_is_set(tmp_path):
    secure = console_settings(tmp_path, plain_http=False)
    add_account(secure, "paula", ["admin"])

    async def scenario():
        async with serving(web.make_app(secure)) as base:
            browser = Browser(base)
            try:
                _, body, response = await browser.get(PREFIX + "kirjaudu")
                csrf = re.search(r'name="csrf" value="([^"]+)"', body).group(1)
                status, _, response = await browser.post(
                    PREFIX + "kirjaudu",
                    {"csrf": csrf, "name": "paula", "password": PASSWORD},
                    # over plain http the client does not send a Secure cookie back
                    headers={"Cookie": f"toimitus_login={csrf}"},
                )
                assert status == 303
                cookie = response.headers["Set-Cookie"]
                assert cookie.startswith("__Secure-toimitus=")
                for flag in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/toimitus/"):
                    assert flag in cookie, flag
            finally:
                await browser.close()

    run(scenario)


def test_the_demo_page_server_serves_the_console_with_its_own_headers(settings):
    async def scenario():
        async with serving(webpage.make_app(settings)) as base:
            browser = Browser(base)
            try:
                status, _, page = await browser.get("/")
                assert status == 200 and "connect-src" in page.headers["Content-Security-Policy"]
                status, _, console = await browser.get(PREFIX + "kirjaudu")
                assert status == 200
                assert console.headers["Content-Security-Policy"] == web.CSP
                status, _, _ = await browser.get(PREFIX + "tunnukset")
                assert status == 303
                assert await browser.login("paula") == 303
                status, _, _ = await browser.get(PREFIX + "loki")
                assert status == 200
            finally:
                await browser.close()

    run(scenario)
