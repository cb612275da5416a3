"""A small, real OpenID Connect provider for the console's tests: discovery,
an authorization endpoint that signs the user in at once (as `user`, with
`claims`) and redirects back with a code, a token endpoint that checks the
client's secret, the redirect URI and the PKCE verifier (S256) and issues an
RS256 id_token, and its JWKS. Knobs let a test make it misbehave (another
nonce, another key, another audience)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Provider:
    client_id: str = "toimitus"
    client_secret: str = "provider-secret-123"
    user: str = "olli@example.fi"
    claims: dict[str, Any] = field(default_factory=dict)
    # Misbehaviour for the tests:
    wrong_nonce: bool = False
    foreign_key: bool = False
    audience: str | None = None
    issuer: str = ""  # set when it starts
    key: rsa.RSAPrivateKey = field(default_factory=_key)
    kid: str = "k1"
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    token_requests: int = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", self.discovery)
        app.router.add_get("/authorize", self.authorize)
        app.router.add_post("/token", self.token)
        app.router.add_get("/jwks", self.jwks)
        return app

    async def discovery(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def jwks(self, request: web.Request) -> web.Response:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return web.json_response(
            {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}
        )

    async def authorize(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("response_type") != "code" or q.get("client_id") != self.client_id:
            raise web.HTTPBadRequest(text="bad request")
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            raise web.HTTPBadRequest(text="PKCE required")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "nonce": q["nonce"],
            "challenge": q["code_challenge"],
            "redirect_uri": q["redirect_uri"],
        }
        back = f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}"
        raise web.HTTPFound(back)

    async def token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        auth = request.headers.get("Authorization", "")
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if auth != f"Basic {expected}":
            return web.json_response({"error": "invalid_client"}, status=401)
        form = await request.post()
        grant = self.codes.pop(str(form.get("code")), None)
        if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
            return web.json_response({"error": "invalid_grant"}, status=400)
        verifier = str(form.get("code_verifier", ""))
        digest = hashlib.sha256(verifier.encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
            return web.json_response({"error": "invalid_grant", "why": "pkce"}, status=400)
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": "sub-" + self.user,
            "aud": self.audience or self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": "another" if self.wrong_nonce else grant["nonce"],
            "preferred_username": self.user,
            **self.claims,
        }
        key = _key() if self.foreign_key else self.key
        id_token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})
        return web.json_response(
            {"access_token": "a", "token_type": "Bearer", "id_token": id_token, "expires_in": 300}
        )
