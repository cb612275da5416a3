"""The console's HTML: one layout and the pages' parts. Every value that goes
into a page passes `e` (html.escape, quotes too); texts come from texts.py.
No scripts and no inline styles: the page's look is static/console.css.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from html import escape

from studybots.console import audit
from studybots.console.accounts import Account
from studybots.console.roles import ROLES, allowed
from studybots.console.texts import text

__all__ = ["PREFIX", "e", "layout"]

PREFIX = "/toimitus/"
CSS = PREFIX + "static/console.css"

# (permission, path, text key) of the navigation.
NAV = (
    ("inbox", PREFIX + "saapuneet", "nav_inbox"),
    ("tables", PREFIX + "historia", "nav_history"),
    ("publish", PREFIX + "julkaisu", "nav_publish"),
    ("report", PREFIX + "raportti", "nav_report"),
    ("accounts", PREFIX + "tunnukset", "nav_accounts"),
    ("audit", PREFIX + "loki", "nav_audit"),
)
# What the landing page lists per permission, in this order.
ABILITIES = ("inbox", "tables", "publish", "rollback", "report", "accounts", "audit")


def e(value: object) -> str:
    return escape(str(value), quote=True)


def hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{e(name)}" value="{e(value)}">'


def message(body: str, kind: str = "info") -> str:
    role = "alert" if kind == "error" else "status"
    return f'<p class="message {e(kind)}" role="{role}">{e(body)}</p>'


def layout(
    title: str,
    body: str,
    lang: str,
    account: Account | None = None,
    csrf: str = "",
    current: str = "",
    heading: bool = True,
    refresh: str = "",
    reload: int = 0,
) -> str:
    """A whole page; with `account`, the navigation and the logout button.
    `heading`: the title as the page's h1 (False: the body has its own);
    `refresh`: a path of this console to go on to at once; `reload`: the
    page reloads itself after so many seconds (a running publish)."""
    header = f'<a class="brand" href="{PREFIX}">{e(text("console", lang))}</a>'
    if account is not None:
        links = [(PREFIX, "nav_home")] + [
            (path, key) for permission, path, key in NAV if allowed(account.roles, permission)
        ]
        items = "".join(
            f'<li><a href="{e(path)}"'
            + (' aria-current="page"' if path == current else "")
            + f">{e(text(key, lang))}</a></li>"
            for path, key in links
        )
        header += (
            f'<nav aria-label="{e(text("nav", lang))}"><ul>{items}</ul></nav>'
            f'<form class="logout" method="post" action="{PREFIX}ulos">'
            f"<span>{e(text('signed_in_as', lang, name=account.name))}</span>"
            f"{hidden('csrf', csrf)}"
            f'<button type="submit">{e(text("logout", lang))}</button></form>'
        )
    return (
        f'<!DOCTYPE html>\n<html lang="{e(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)} – {e(text('console', lang))}</title>"
        + (f'<meta http-equiv="refresh" content="0; url={e(refresh)}">' if refresh else "")
        + (f'<meta http-equiv="refresh" content="{int(reload)}">' if reload else "")
        + f'<link rel="stylesheet" href="{CSS}"></head><body>'
        f'<a class="skip" href="#main">{e(text("skip", lang))}</a>'
        f"<header>{header}</header>"
        f'<main id="main">{f"<h1>{e(title)}</h1>" if heading else ""}{body}</main></body></html>\n'
    )


def login_form(lang: str, csrf: str, error: str = "", note: str = "", oidc: bool = False) -> str:
    parts = []
    if error:
        parts.append(message(error, "error"))
    if note:
        parts.append(message(note))
    parts.append(
        f'<form class="login" method="post" action="{PREFIX}kirjaudu">'
        f"{hidden('csrf', csrf)}"
        f'<label for="name">{e(text("login_name", lang))}</label>'
        '<input id="name" name="name" autocomplete="username" required maxlength="200"'
        ' autocapitalize="none" spellcheck="false">'
        f'<label for="password">{e(text("login_password", lang))}</label>'
        '<input id="password" name="password" type="password" autocomplete="current-password"'
        ' required maxlength="1024">'
        f'<button type="submit">{e(text("login_submit", lang))}</button></form>'
    )
    if oidc:
        parts.append(
            f'<p class="or">{e(text("login_or", lang))}</p>'
            f'<p><a class="button" href="{PREFIX}oidc/kirjaudu">'
            f"{e(text('login_oidc', lang))}</a></p>"
        )
    return "".join(parts)


def role_names(roles: Iterable[str], lang: str) -> str:
    return ", ".join(text(f"role_{r}", lang) for r in roles)


def home(account: Account, lang: str) -> str:
    if not account.roles:
        return f"<p>{e(text('home_no_roles', lang))}</p>"
    abilities = "".join(
        f"<li>{e(text('can_' + a, lang))}</li>" for a in ABILITIES if allowed(account.roles, a)
    )
    return (
        f"<p>{e(text('home_roles', lang, roles=role_names(account.roles, lang)))}</p>"
        f'<h2>{e(text("home_can", lang))}</h2><ul class="abilities">{abilities}</ul>'
    )


def role_boxes(prefix: str, checked: Iterable[str], lang: str) -> str:
    on = set(checked)
    return "".join(
        f'<span class="choice"><input type="checkbox" id="{e(prefix)}-{r}" name="roles"'
        f' value="{r}"' + (" checked" if r in on else "") + ">"
        f'<label for="{e(prefix)}-{r}">{e(text("role_" + r, lang))}</label></span>'
        for r in ROLES
    )


def _status(account: Account, lang: str) -> str:
    if account.disabled is not None:
        return text("status_disabled", lang)
    if account.locked():
        assert account.locked_until is not None
        return text("status_locked", lang, until=audit.local_time(account.locked_until))
    return text("status_active", lang)


def _action_form(csrf: str, action: str, name: str, label: str, extra: str = "") -> str:
    return (
        f'<form method="post" action="{PREFIX}tunnukset">{hidden("csrf", csrf)}'
        f"{hidden('action', action)}{hidden('name', name)}{extra}"
        f'<button type="submit">{e(label)}</button></form>'
    )


def accounts_page(
    everyone: list[Account], lang: str, csrf: str, min_length: int, oidc: bool, note: str = ""
) -> str:
    password_label = text(
        "accounts_password_optional" if oidc else "accounts_password", lang, n=min_length
    )
    required = "" if oidc else " required"
    create = (
        f'<section aria-labelledby="create"><h2 id="create">{e(text("accounts_create", lang))}</h2>'
        f'<form class="stack" method="post" action="{PREFIX}tunnukset">{hidden("csrf", csrf)}'
        f"{hidden('action', 'create')}"
        f'<label for="new-name">{e(text("accounts_name", lang))}</label>'
        '<input id="new-name" name="name" required maxlength="200" autocomplete="off"'
        ' autocapitalize="none" spellcheck="false">'
        f"<fieldset><legend>{e(text('accounts_roles', lang))}</legend>"
        f"{role_boxes('new', (), lang)}</fieldset>"
        f'<label for="new-password">{e(password_label)}</label>'
        f'<input id="new-password" name="password" type="password" minlength="{min_length}"'
        f' maxlength="1024" autocomplete="new-password"{required}>'
        f'<button type="submit">{e(text("accounts_create_submit", lang))}</button></form></section>'
    )
    cards = []
    for number, account in enumerate(everyone):
        key = f"a{number}"
        actions = [
            f'<form class="roles" method="post" action="{PREFIX}tunnukset">{hidden("csrf", csrf)}'
            f"{hidden('action', 'roles')}{hidden('name', account.name)}"
            f"<fieldset><legend>{e(text('accounts_roles', lang))}</legend>"
            f"{role_boxes(key, account.roles, lang)}</fieldset>"
            f'<button type="submit">{e(text("accounts_save_roles", lang))}</button></form>'
        ]
        if account.locked() or account.failed_logins:
            actions.append(
                _action_form(csrf, "unlock", account.name, text("accounts_unlock", lang))
            )
        if account.disabled is None:
            actions.append(
                _action_form(csrf, "disable", account.name, text("accounts_disable", lang))
            )
        else:
            actions.append(
                _action_form(csrf, "enable", account.name, text("accounts_enable", lang))
            )
        actions.append(
            f'<form class="stack" method="post" action="{PREFIX}tunnukset">{hidden("csrf", csrf)}'
            f"{hidden('action', 'password')}{hidden('name', account.name)}"
            f'<label for="{key}-password">{e(text("accounts_new_password", lang))}</label>'
            f'<input id="{key}-password" name="password" type="password" required'
            f' minlength="{min_length}" maxlength="1024" autocomplete="new-password">'
            f'<button type="submit">{e(text("accounts_set_password", lang))}</button></form>'
        )
        cards.append(
            f'<article class="account" aria-labelledby="{key}-name">'
            f'<h3 id="{key}-name">{e(account.name)}</h3>'
            f"<dl><dt>{e(text('accounts_status', lang))}</dt><dd>{e(_status(account, lang))}</dd>"
            f"<dt>{e(text('accounts_created', lang))}</dt>"
            f"<dd>{e(audit.local_time(account.created))}</dd></dl>"
            + "".join(actions)
            + "</article>"
        )
    listing = (
        f'<section aria-labelledby="list"><h2 id="list">{e(text("accounts_title", lang))}</h2>'
        f'<div class="accounts">{"".join(cards)}</div></section>'
    )
    return (message(note) if note else "") + create + listing


def scroll_table(
    label: str, css_class: str, columns: Iterable[str], rows: str, caption: str = ""
) -> str:
    """A table that scrolls sideways on a narrow screen, as a region a keyboard
    reaches, named `label`; `columns` are its heading texts, `rows` its body's
    HTML (already escaped)."""
    head = "".join(f'<th scope="col">{e(c)}</th>' for c in columns)
    return (
        f'<div class="scroll" tabindex="0" role="region" aria-label="{e(label)}">'
        f'<table class="{e(css_class)}">'
        + (f"<caption>{e(caption)}</caption>" if caption else "")
        + f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
    )


def error_note(body: str) -> str:
    return message(body, "error")


def audit_page(entries: list[audit.Entry], lang: str) -> str:
    rows = "".join(
        f"<tr><td>{e(audit.local_time(entry.time))}</td>"
        f"<td>{e(entry.account or text('audit_nobody', lang))}</td>"
        f"<td>{e(text('action_' + entry.action, lang))}</td><td>{e(entry.detail)}</td></tr>"
        for entry in entries
    )
    columns = [
        text(k, lang) for k in ("audit_time", "audit_account", "audit_action", "audit_detail")
    ]
    return f"<p>{e(text('audit_intro', lang, n=len(entries)))}</p>" + scroll_table(
        text("audit_title", lang), "audit", columns, rows
    )


def period_form(lang: str, first: dt.date, last: dt.date) -> str:
    return (
        f'<form class="period" method="get" action="{PREFIX}raportti">'
        f'<label for="from">{e(text("report_from", lang))}</label>'
        f'<input id="from" name="from" type="date" value="{e(first.isoformat())}" required>'
        f'<label for="to">{e(text("report_to", lang))}</label>'
        f'<input id="to" name="to" type="date" value="{e(last.isoformat())}" required>'
        f'<button type="submit">{e(text("report_show", lang))}</button></form>'
    )
