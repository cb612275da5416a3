"""Sign-in to the console through OpenID Connect, against a real local provider
(tests/support/oidc_provider.py: RS256 tokens, PKCE, its own JWKS) over real
HTTP: the whole authorization code flow, role mapping and auto-provisioning,
and the id_tokens and callbacks that must be refused."""

from __future__ import annotations

import asyncio

import pytest

from studybots.console import web
from studybots.console.settings import OidcSettings
from studybots.ops.supervisor import free_port
from tests.support.console import PREFIX, Browser, add_account, console_settings, serving
from tests.support.oidc_provider import Provider


def run(scenario):
    return asyncio.run(asyncio.wait_for(scenario(), 60))


async def flow(browser: Browser) -> tuple[int, str]:
    """The browser's trip: console -> provider -> console's callback."""
    status, _, response = await browser.get(PREFIX + "oidc/kirjaudu")
    assert status == 303, status
    authorize = response.headers["Location"]
    async with browser.http.get(authorize, allow_redirects=False) as at_provider:
        assert at_provider.status == 302, await at_provider.text()
        callback = at_provider.headers["Location"]
    assert callback.startswith(browser.base + PREFIX + "oidc/paluu?")
    status, body, _ = await browser.get(callback[len(browser.base) :])
    return status, body


def with_provider(tmp_path, provider: Provider, test, **oidc):
    async def scenario():
        async with serving(provider.app()) as issuer:
            provider.issuer = issuer
            port = free_port()
            settings = console_settings(
                tmp_path,
                oidc=OidcSettings(
                    issuer=issuer,
                    client_id=provider.client_id,
                    client_secret=provider.client_secret,
                    redirect_url=f"http://127.0.0.1:{port}{PREFIX}oidc/paluu",
                    **oidc,
                ),
            )
            add_account(settings, "olli@example.fi", ["editor"], password=None)
            async with serving(web.make_app(settings), port) as base:
                browser = Browser(base)
                try:
                    await test(browser)
                finally:
                    await browser.close()

    run(scenario)


def test_the_authorization_code_flow_with_pkce_signs_an_existing_account_in(tmp_path):
    provider = Provider()

    async def test(browser):
        _, login, _ = await browser.get(PREFIX + "kirjaudu")
        assert 'href="/toimitus/oidc/kirjaudu"' in login
        status, body = await flow(browser)
        assert status == 200, body
        assert 'http-equiv="refresh" content="0; url=/toimitus/"' in body
        status, home, _ = await browser.get(PREFIX)
        assert status == 200 and "olli@example.fi" in home and "toimittaja" in home
        assert provider.token_requests == 1

    with_provider(tmp_path, provider, test)


def test_roles_come_from_the_group_claim_and_accounts_are_provisioned(tmp_path):
    provider = Provider(user="uusi@example.fi", claims={"groups": ["g-analyst", "muu"]})

    async def test(browser):
        status, _ = await flow(browser)
        assert status == 200
        _, home, _ = await browser.get(PREFIX)
        assert "uusi@example.fi" in home and "Roolisi: analyytikko" in home
        # The provider now says admin: the next sign-in changes the roles.
        provider.claims = {"groups": ["g-admin"]}
        status, _ = await flow(browser)
        assert status == 200
        _, home, _ = await browser.get(PREFIX)
        assert "Roolisi: ylläpitäjä" in home
        status, audit, _ = await browser.get(PREFIX + "loki")
        assert status == 200
        assert "tunnus luotu" in audit and "roolit muutettu" in audit and "OIDC" in audit

    with_provider(
        tmp_path,
        provider,
        test,
        role_map={"g-analyst": "analyst", "g-admin": "admin"},
        auto_provision=True,
    )


@pytest.mark.parametrize(
    "knob",
    [{"wrong_nonce": True}, {"foreign_key": True}, {"audience": "someone-else"}],
    ids=["another nonce", "signed with another key", "another audience"],
)
def test_an_id_token_that_does_not_verify_signs_nobody_in(tmp_path, knob):
    provider = Provider(**knob)

    async def test(browser):
        status, body = await flow(browser)
        assert status == 401 and "ei onnistunut" in body
        status, _, _ = await browser.get(PREFIX)
        assert status == 303

    with_provider(tmp_path, provider, test)


def test_a_callback_from_another_browser_or_a_second_time_is_refused(tmp_path):
    provider = Provider()

    async def test(browser):
        status, _, response = await browser.get(PREFIX + "oidc/kirjaudu")
        async with browser.http.get(response.headers["Location"], allow_redirects=False) as r:
            callback = r.headers["Location"][len(browser.base) :]
        # Another browser (no state cookie) with the same callback URL.
        thief = Browser(browser.base)
        try:
            status, _, _ = await thief.get(callback)
            assert status == 401
        finally:
            await thief.close()
        assert provider.token_requests == 0  # refused before the code was used
        status, _, _ = await browser.get(callback)
        assert status == 200
        status, _, _ = await browser.get(callback)  # each flow is used once
        assert status == 401

    with_provider(tmp_path, provider, test)


def test_an_unknown_account_is_refused_without_auto_provisioning(tmp_path):
    provider = Provider(user="vieras@example.fi")

    async def test(browser):
        status, body = await flow(browser)
        assert status == 403 and "Pyydä ylläpitäjää" in body
        status, _, _ = await browser.get(PREFIX)
        assert status == 303

    with_provider(tmp_path, provider, test)
