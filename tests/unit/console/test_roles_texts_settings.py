"""What each role may do, the texts of every language, and the console's
settings (OpenID Connect, production, plain http)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from studybots.console import audit, roles, settings
from studybots.console.texts import LANGUAGES, TEXTS
from studybots.core.settings import Settings


def test_each_role_may_do_its_own_things_only():
    assert roles.allowed(["analyst"], "report")
    for permission in ("accounts", "audit", "inbox", "tables", "publish", "rollback"):
        assert not roles.allowed(["analyst"], permission), permission
    assert roles.allowed(["admin"], "accounts") and roles.allowed(["admin"], "audit")
    assert not roles.allowed(["admin"], "report")
    assert roles.allowed(["editor"], "inbox") and not roles.allowed(["editor"], "publish")
    assert roles.allowed(["publisher"], "rollback") and not roles.allowed(["publisher"], "tables")
    assert roles.allowed(["editor", "analyst"], "report")
    assert not roles.allowed([], "report")
    assert roles.normalise(["admin", " editor", "admin"]) == ("editor", "admin")
    with pytest.raises(ValueError):
        roles.normalise(["root"])


def test_every_language_has_every_text_with_the_same_placeholders():
    fields = {key: set(re.findall(r"{(\w+)}", value)) for key, value in TEXTS["fi"].items()}
    for lang in LANGUAGES:
        assert {k: set(re.findall(r"{(\w+)}", v)) for k, v in TEXTS[lang].items()} == fields
    for action in audit.ACTIONS:
        assert f"action_{action}" in TEXTS["fi"], action
    for role in roles.ROLES:
        assert f"role_{role}" in TEXTS["fi"], role


def base(profile: str = "embedded") -> Settings:
    return Settings(
        catalogue_dir=Path("catalogue"),
        var_dir=Path("/tmp/var"),
        database_url="sqlite://",
        action_port=1,
        tero_port=2,
        paavo_port=3,
        profile=profile,
        log_database="postgresql://log@db/log" if profile == "production" else "",
    )


def test_the_console_tables_are_in_the_log_database_unless_set():
    assert settings.load_console_settings({}, base()).database_url == "sqlite:////tmp/var/log.db"
    given = {"STUDYBOTS_CONSOLE_URL": "sqlite:////tmp/c.db"}
    assert settings.load_console_settings(given, base()).database_url == "sqlite:////tmp/c.db"
    prod = settings.load_console_settings({}, base("production"))
    assert prod.database_url == "postgresql://log@db/log" and prod.secure_cookies
    with pytest.raises(settings.ConsoleConfigError, match="postgresql"):
        settings.load_console_settings(given, base("production"))


def test_openid_connect_needs_its_settings_and_a_valid_role_map():
    env = {"STUDYBOTS_CONSOLE_OIDC_ISSUER": "https://login.example/tenant/v2.0/"}
    with pytest.raises(settings.ConsoleConfigError, match="CLIENT_SECRET"):
        settings.load_console_settings(env, base())
    env |= {
        "STUDYBOTS_CONSOLE_OIDC_CLIENT_ID": "id",
        "STUDYBOTS_CONSOLE_OIDC_CLIENT_SECRET": "secret",
        "STUDYBOTS_CONSOLE_OIDC_REDIRECT_URL": "https://x/toimitus/oidc/paluu",
        "STUDYBOTS_CONSOLE_OIDC_ROLE_MAP": "aaaa-1=editor, bbbb-2=admin",
    }
    oidc = settings.load_console_settings(env, base()).oidc
    assert oidc.issuer == "https://login.example/tenant/v2.0"
    assert dict(oidc.role_map) == {"aaaa-1": "editor", "bbbb-2": "admin"}
    assert not oidc.auto_provision
    with pytest.raises(settings.ConsoleConfigError, match="ROLE_MAP"):
        settings.parse_role_map("aaaa-1=root")


def test_plain_http_only_on_a_loopback_interface():
    plain = settings.load_console_settings({"STUDYBOTS_CONSOLE_PLAIN_HTTP": "1"}, base())
    assert not plain.secure_cookies
    for host in ("127.0.0.1", "localhost", "::1"):
        settings.check_interface(plain, host)
    with pytest.raises(settings.ConsoleConfigError):
        settings.check_interface(plain, "0.0.0.0")
    settings.check_interface(settings.load_console_settings({}, base()), "0.0.0.0")


def test_publishing_is_on_where_the_console_shares_the_bots_var_directory():
    assert settings.load_console_settings({}, base()).models_dir == Path("/tmp/var/models")
    assert settings.load_console_settings({}, base("production")).models_dir is None
    shared = {"STUDYBOTS_CONSOLE_PUBLISH": "1"}
    assert settings.load_console_settings(shared, base("production")).models_dir == Path(
        "/tmp/var/models"
    )
