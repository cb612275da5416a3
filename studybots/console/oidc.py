"""Sign-in through OpenID Connect (e.g. Entra ID): the authorization code flow
with PKCE (S256), state and nonce.

1. `begin`: a random state, nonce and PKCE verifier; the flow is stored
   (console_oidc_flow, the state only as its SHA-256) and the browser gets
   the state in a cookie too, so a callback from another browser fails; the
   browser goes to the provider's authorization endpoint.
2. `finish`: the callback's state must equal the cookie's and name a stored
   flow younger than ten minutes (used once: it is deleted); the code is
   exchanged at the token endpoint (client_secret_basic, with the verifier);
   the id_token is verified with PyJWT against the provider's JWKS: the
   signature (RS256 only by default), issuer, audience (the client id),
   expiry, issue time and the flow's nonce.
3. `account_for`: the account named by the configured claim
   (preferred_username by default) must exist and be enabled, or is created
   when auto-provisioning is on. With a role map, the roles come from the
   role claim (groups by default) at every sign-in.

The provider's metadata (/.well-known/openid-configuration, whose issuer
must be the configured one) and keys are fetched once and kept for an hour;
a token signed with a key id not in the cached set fetches the keys again.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
import jwt
import sqlalchemy as sa

from studybots.console import accounts, audit, model, sessions
from studybots.console.roles import normalise
from studybots.console.settings import OidcSettings

__all__ = ["FLOW_MINUTES", "Flow", "OidcClient", "OidcError", "account_for"]

FLOW_MINUTES = 10
CACHE_SECONDS = 3600
LEEWAY_SECONDS = 60
TIMEOUT = aiohttp.ClientTimeout(total=10)


class OidcError(Exception):
    """A sign-in that failed (the message is for the log and the audit, not the user)."""


@dataclass(frozen=True)
class Flow:
    nonce: str
    verifier: str


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OidcClient:
    def __init__(self, settings: OidcSettings, http: aiohttp.ClientSession) -> None:
        self.settings = settings
        self.http = http
        self._metadata: dict[str, Any] | None = None
        self._metadata_time = 0.0
        self._keys: dict[str, jwt.PyJWK] = {}
        self._keys_time = 0.0

    async def _get_json(self, url: str) -> dict[str, Any]:
        async with self.http.get(url, timeout=TIMEOUT) as response:
            if response.status != 200:
                raise OidcError(f"{url}: HTTP {response.status}")
            data = await response.json(content_type=None)
        if not isinstance(data, dict):
            raise OidcError(f"{url}: not a JSON object")
        return data

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None or time.monotonic() - self._metadata_time > CACHE_SECONDS:
            url = f"{self.settings.issuer}/.well-known/openid-configuration"
            data = await self._get_json(url)
            if str(data.get("issuer", "")).rstrip("/") != self.settings.issuer:
                raise OidcError(f"the provider's issuer is {data.get('issuer')!r}")
            for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(data.get(name), str):
                    raise OidcError(f"the provider's metadata has no {name}")
            self._metadata, self._metadata_time = data, time.monotonic()
        return self._metadata

    async def _signing_key(self, kid: str | None) -> jwt.PyJWK:
        stale = time.monotonic() - self._keys_time > CACHE_SECONDS
        if stale or kid not in self._keys:
            data = await self._get_json((await self.metadata())["jwks_uri"])
            keys: dict[str, jwt.PyJWK] = {}
            for item in data.get("keys", []):
                if item.get("use", "sig") != "sig":
                    continue
                try:
                    keys[item.get("kid", "")] = jwt.PyJWK(item)
                except jwt.PyJWTError:
                    continue  # a key of a type this client does not use
            self._keys, self._keys_time = keys, time.monotonic()
        key = self._keys.get(kid or "")
        if key is None:
            raise OidcError(f"no signing key {kid!r} at the provider")
        return key

    async def begin(self, engine: sa.engine.Engine) -> tuple[str, str]:
        """(the authorization URL to send the browser to, the state for its cookie)."""
        meta = await self.metadata()
        state = secrets.token_urlsafe(32)
        nonce = secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(64)
        now = model.now()
        with engine.begin() as connection:
            connection.execute(
                sa.delete(model.oidc_flow).where(
                    model.oidc_flow.c.created < now - dt.timedelta(minutes=FLOW_MINUTES)
                )
            )
            connection.execute(
                sa.insert(model.oidc_flow).values(
                    state_hash=sessions.token_hash(state),
                    nonce=nonce,
                    verifier=verifier,
                    created=now,
                )
            )
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.settings.client_id,
                "redirect_uri": self.settings.redirect_url,
                "scope": self.settings.scopes,
                "state": state,
                "nonce": nonce,
                "code_challenge": _challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
        endpoint = meta["authorization_endpoint"]
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", state

    @staticmethod
    def take_flow(engine: sa.engine.Engine, state: str, cookie_state: str | None) -> Flow:
        """The stored flow of `state` (deleted: each is used once)."""
        if not state or not cookie_state or not hmac.compare_digest(state, cookie_state):
            raise OidcError("the state does not match this browser's")
        key = sessions.token_hash(state)
        with engine.begin() as connection:
            row = (
                connection.execute(
                    sa.select(model.oidc_flow).where(model.oidc_flow.c.state_hash == key)
                )
                .mappings()
                .first()
            )
            connection.execute(
                sa.delete(model.oidc_flow).where(model.oidc_flow.c.state_hash == key)
            )
        if row is None:
            raise OidcError("no such sign-in under way")
        if model.now() - model.as_utc(row["created"]) > dt.timedelta(minutes=FLOW_MINUTES):
            raise OidcError("the sign-in took too long")
        return Flow(nonce=row["nonce"], verifier=row["verifier"])

    async def finish(self, code: str, flow: Flow) -> dict[str, Any]:
        """The verified claims of the id_token that `code` is exchanged for."""
        meta = await self.metadata()
        auth = aiohttp.BasicAuth(self.settings.client_id, self.settings.client_secret)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.settings.redirect_url,
            "code_verifier": flow.verifier,
        }
        async with self.http.post(
            meta["token_endpoint"], data=form, auth=auth, timeout=TIMEOUT
        ) as response:
            body = await response.text()
            if response.status != 200:
                raise OidcError(f"token endpoint: HTTP {response.status}")
        try:
            id_token = json.loads(body)["id_token"]
        except (ValueError, KeyError, TypeError):
            raise OidcError("token endpoint: no id_token") from None
        return await self.verify(id_token, flow.nonce)

    async def verify(self, id_token: str, nonce: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError as exc:
            raise OidcError(f"id_token: {exc}") from None
        if header.get("alg") not in self.settings.algorithms:
            raise OidcError(f"id_token: algorithm {header.get('alg')!r} is not allowed")
        key = await self._signing_key(header.get("kid"))
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key.key,
                algorithms=list(self.settings.algorithms),
                audience=self.settings.client_id,
                issuer=self.settings.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise OidcError(f"id_token: {exc}") from None
        if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
            raise OidcError("id_token: the nonce does not match")
        audience = claims.get("aud")
        if (
            isinstance(audience, list)
            and len(audience) > 1
            and claims.get("azp") != self.settings.client_id
        ):
            raise OidcError("id_token: issued to another party (azp)")
        return claims


def mapped_roles(settings: OidcSettings, claims: dict[str, Any]) -> tuple[str, ...]:
    values = claims.get(settings.role_claim, [])
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        return ()
    return normalise(
        settings.role_map[v] for v in values if isinstance(v, str) and v in settings.role_map
    )


def account_for(
    engine: sa.engine.Engine, settings: OidcSettings, claims: dict[str, Any]
) -> accounts.Account | None:
    """The account that `claims` sign in (audited), or None when none may."""
    name = str(claims.get(settings.name_claim, "")).strip()
    try:
        name = accounts.check_name(name)
    except accounts.AccountError:
        with engine.begin() as connection:
            audit.record(connection, "login_failed", None, f"OIDC: no usable {settings.name_claim}")
        return None
    roles = mapped_roles(settings, claims)
    with engine.connect() as connection:
        found = accounts.get(connection, name)
    if found is None:
        if not settings.auto_provision or (settings.role_map and not roles):
            with engine.begin() as connection:
                audit.record(connection, "login_failed", None, "OIDC: tuntematon tunnus")
            return None
        found = accounts.create(engine, name, roles, None, "OIDC")
    elif found.disabled is not None:
        with engine.begin() as connection:
            audit.record(connection, "login_failed", name, "OIDC: tunnus ei käytössä")
        return None
    elif settings.role_map and roles != found.roles:
        found = accounts.set_roles(engine, name, roles, "OIDC")
    with engine.begin() as connection:
        audit.record(connection, "login", name, "OIDC")
    return found
