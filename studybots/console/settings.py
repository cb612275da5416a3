"""The console's settings, read from the environment with safe defaults.

Its tables live in STUDYBOTS_CONSOLE_URL, else in the question log's database
(STUDYBOTS_LOG_URL; SQLite var/log.db by default, PostgreSQL in the production
profile), which the console reads anyway for the report and the inbox.

Cookies are `Secure` unless STUDYBOTS_CONSOLE_PLAIN_HTTP=1 says that the
console is reached over plain http on this machine only (`make run`; the
console then refuses to listen anywhere but a loopback address).

The publishing page runs `studybots.training.publish` in the console's own
process tree, so it needs the bots' var directory: on in `make run`, off in
the production profile unless STUDYBOTS_CONSOLE_PUBLISH=1.

OpenID Connect sign-in is on when STUDYBOTS_CONSOLE_OIDC_ISSUER is set; the
client secret comes from STUDYBOTS_CONSOLE_OIDC_CLIENT_SECRET, in production a
file of the mounted Secret (studybots/core/secret_files.py).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from studybots.console.roles import ROLES
from studybots.core.settings import Settings, load_settings

ENV_PREFIX = "STUDYBOTS_CONSOLE_"


class ConsoleConfigError(ValueError):
    """A console setting that cannot work (the message names it)."""


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str
    redirect_url: str  # https://<host>/toimitus/oidc/callback, as registered at the provider
    scopes: str = "openid profile email"
    name_claim: str = "preferred_username"  # the account name
    role_claim: str = "groups"  # a list of group or app-role ids
    # {claim value: role}; when not empty, every sign-in sets the account's
    # roles from the claim (the provider decides), otherwise the console does.
    role_map: Mapping[str, str] = field(default_factory=dict)
    auto_provision: bool = False  # create a missing account at its first sign-in
    algorithms: tuple[str, ...] = ("RS256",)


@dataclass(frozen=True)
class ConsoleSettings:
    database_url: str
    catalogue_dir: Path
    log_url: str
    plain_http: bool = False
    idle_minutes: int = 30
    absolute_hours: int = 8
    lockout_failures: int = 5
    lockout_minutes: int = 15
    # Browser origins the console's forms may come from (scheme://host[:port]);
    # empty: the request's own Host.
    origins: tuple[str, ...] = ()
    lang: str = "fi"
    oidc: OidcSettings | None = None
    # Publishing from the console: the models directory it reads the gate's
    # verdicts and the history from (None: no publishing page), and the
    # environment the publish command runs in (default: the console's own).
    models_dir: Path | None = None
    publish_environ: Mapping[str, str] | None = None
    # The catalogue's history (studybots/catalogue/history.py): every change
    # of the inbox a commit there, and the history page with restore. None:
    # no history (changes are not recorded; the history page says so).
    history_dir: Path | None = None

    @property
    def secure_cookies(self) -> bool:
        return not self.plain_http


def _int(environ: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = environ.get(ENV_PREFIX + name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConsoleConfigError(f"{ENV_PREFIX}{name}: a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConsoleConfigError(f"{ENV_PREFIX}{name}: at least {minimum}")
    return value


def _flag(environ: Mapping[str, str], name: str) -> bool:
    return environ.get(ENV_PREFIX + name, "").strip().lower() in ("1", "true", "yes")


def parse_role_map(raw: str) -> dict[str, str]:
    """`group-id=editor, other-id=admin` -> {"group-id": "editor", ...}."""
    found: dict[str, str] = {}
    for item in raw.replace("\n", ",").split(","):
        if not item.strip():
            continue
        value, sep, role = item.rpartition("=")
        if not sep or not value.strip() or role.strip() not in ROLES:
            raise ConsoleConfigError(
                f"{ENV_PREFIX}OIDC_ROLE_MAP: {item.strip()!r} is not claim-value=role "
                f"(roles: {', '.join(ROLES)})"
            )
        found[value.strip()] = role.strip()
    return found


def load_oidc(environ: Mapping[str, str]) -> OidcSettings | None:
    issuer = environ.get(ENV_PREFIX + "OIDC_ISSUER", "").strip().rstrip("/")
    if not issuer:
        return None
    needed = {
        name: environ.get(ENV_PREFIX + name, "").strip()
        for name in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_REDIRECT_URL")
    }
    missing = [ENV_PREFIX + name for name, value in needed.items() if not value]
    if missing:
        raise ConsoleConfigError(f"OpenID Connect needs {', '.join(missing)}")
    return OidcSettings(
        issuer=issuer,
        client_id=needed["OIDC_CLIENT_ID"],
        client_secret=needed["OIDC_CLIENT_SECRET"],
        redirect_url=needed["OIDC_REDIRECT_URL"],
        scopes=environ.get(ENV_PREFIX + "OIDC_SCOPES", "").strip() or "openid profile email",
        name_claim=environ.get(ENV_PREFIX + "OIDC_NAME_CLAIM", "").strip() or "preferred_username",
        role_claim=environ.get(ENV_PREFIX + "OIDC_ROLE_CLAIM", "").strip() or "groups",
        role_map=parse_role_map(environ.get(ENV_PREFIX + "OIDC_ROLE_MAP", "")),
        auto_provision=_flag(environ, "OIDC_AUTO_PROVISION"),
    )


def load_console_settings(
    environ: Mapping[str, str] | None = None, base: Settings | None = None
) -> ConsoleSettings:
    env: Mapping[str, str] = os.environ if environ is None else environ
    base = base or load_settings()
    url = env.get(ENV_PREFIX + "URL", "").strip() or base.log_url
    if base.production and not url.startswith("postgresql"):
        raise ConsoleConfigError(
            f"{ENV_PREFIX}URL (or STUDYBOTS_LOG_URL): a postgresql:// URL is required"
        )
    return ConsoleSettings(
        database_url=url,
        catalogue_dir=base.catalogue_dir,
        log_url=base.log_url,
        plain_http=_flag(env, "PLAIN_HTTP"),
        idle_minutes=_int(env, "IDLE_MINUTES", 30),
        absolute_hours=_int(env, "ABSOLUTE_HOURS", 8),
        lockout_failures=_int(env, "LOCKOUT_FAILURES", 5),
        lockout_minutes=_int(env, "LOCKOUT_MINUTES", 15),
        origins=tuple(o.rstrip("/") for o in env.get(ENV_PREFIX + "ORIGINS", "").split()),
        oidc=load_oidc(env),
        # In the production profile the console's pods have no models volume:
        # publishing stays the operators' Job unless STUDYBOTS_CONSOLE_PUBLISH=1
        # says this console shares the bots' var directory.
        models_dir=base.models_dir if not base.production or _flag(env, "PUBLISH") else None,
        history_dir=base.history_dir,
    )


def check_interface(settings: ConsoleSettings, host: str) -> None:
    """Plain http only on this machine: refuse another interface."""
    if not settings.plain_http:
        return
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ConsoleConfigError(
            f"{ENV_PREFIX}PLAIN_HTTP=1 (cookies without Secure) is only for a loopback "
            f"address, not {host}"
        )
