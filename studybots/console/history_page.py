"""The catalogue's history in the console, for editors (permission "tables").

/toimitus/historia lists the changes of the catalogue (studybots/catalogue/
history.py), newest first: the local (Helsinki) time, the account, what was
done and the files. /toimitus/historia/<version> shows one change file by
file and row by row, rows added and removed marked (in words as well as in
colour); /toimitus/historia/<version>/palauta shows what restoring the
tables to that version would change now, or the problems `make validate`
finds in them, and its form (POST, with the CSRF token and the version the
preview was made from) restores them as a new change. A restore is refused
when the catalogue changed after the preview, and written to the audit log.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from aiohttp import web

from studybots.catalogue import history
from studybots.catalogue.history import Change, FileDiff, Preview
from studybots.catalogue.validate import Problem
from studybots.console.common import SETTINGS, audit_event, blocking, needs, page
from studybots.console.pages import PREFIX, e, error_note, hidden, message, scroll_table
from studybots.console.settings import ConsoleSettings
from studybots.console.texts import text

__all__ = ["change", "restore", "restore_preview", "show"]

log = logging.getLogger(__name__)

BASE = PREFIX + "historia"
LIMIT = 100  # changes the list shows
FILES_SHOWN = 4  # file names a row of the list shows
CHANGED = '<td class="changed">'  # a cell that differs from its pair


def version_path(revision: str) -> str:
    return f"{BASE}/{revision}"


def _settings(request: web.Request) -> ConsoleSettings:
    return request.app[SETTINGS]


def _unavailable(request: web.Request, key: str = "changes_unavailable") -> web.Response:
    lang = _settings(request).lang
    return page(
        request, text("changes_title", lang), error_note(text(key, lang)), status=503, current=BASE
    )


# -- HTML --------------------------------------------------------------------------


def _listing(changes: list[Change], lang: str) -> str:
    if not changes:
        return f"<p>{e(text('changes_empty', lang))}</p>"
    columns = [
        text(k, lang)
        for k in ("changes_time", "changes_account", "changes_message", "changes_files")
    ]
    rows = []
    for c in changes:
        files = ", ".join(c.files[:FILES_SHOWN])
        if len(c.files) > FILES_SHOWN:
            files += " " + text("changes_files_more", lang, n=len(c.files) - FILES_SHOWN)
        rows.append(
            f"<tr><td>{e(c.local_time)}</td><td>{e(c.account)}</td>"
            f'<td><a href="{e(version_path(c.revision))}">{e(c.message)}</a></td>'
            f"<td>{e(files)}</td></tr>"
        )
    return f"<p>{e(text('changes_intro', lang, n=len(changes)))}</p>" + scroll_table(
        text("changes_title", lang), "changes", columns, "".join(rows)
    )


def _file(diff: FileDiff, lang: str, number: int) -> str:
    status = text(f"changes_file_{diff.status}", lang)
    counts = text(
        "changes_file_counts", lang, status=status, added=diff.added, removed=diff.removed
    )
    columns = diff.header or (text("changes_text", lang),)
    heads = [text("changes_row", lang), text("changes_kind", lang), *columns]
    rows = []
    for row in diff.rows:
        width = max(len(columns), len(row.cells))
        cells = "".join(
            (CHANGED if i in row.changed else "<td>")
            + f"{e(row.cells[i] if i < len(row.cells) else '')}</td>"
            for i in range(width)
        )
        rows.append(
            f'<tr class="{e(row.kind)}"><td class="n">{row.line}</td>'
            f"<td>{e(text('changes_' + row.kind, lang))}</td>{cells}</tr>"
        )
    hidden_note = f"<p>{e(text('changes_hidden', lang, n=diff.hidden))}</p>" if diff.hidden else ""
    key = f"tiedosto-{number}"
    return (
        f'<section class="file-diff" aria-labelledby="{key}">'
        f'<h2 id="{key}">{e(diff.path)}</h2><p class="meta">{e(counts)}</p>'
        + scroll_table(diff.path, "diff", heads, "".join(rows))
        + f"{hidden_note}</section>"
    )


def _files(diffs: list[FileDiff], lang: str) -> str:
    return "".join(_file(d, lang, n) for n, d in enumerate(diffs, 1))


def _meta(c: Change, lang: str) -> str:
    said = text(
        "changes_change_meta", lang, time=c.local_time, account=c.account, message=c.message
    )
    return f'<p class="meta">{e(said)}</p>'


def _back(lang: str) -> str:
    return f'<p><a href="{BASE}">{e(text("changes_back", lang))}</a></p>'


def _problems(problems: list[Problem]) -> str:
    items = "".join(f"<li>{e(str(p))}</li>" for p in problems)
    return f'<ul class="problems">{items}</ul>'


def _preview_body(found: Preview, lang: str, csrf: str, note: str = "") -> str:
    target = found.target
    parts = [message(note, "error")] if note else []
    parts.append(
        "<p>"
        + e(
            text(
                "changes_restore_intro",
                lang,
                time=target.local_time,
                account=target.account,
                message=target.message,
            )
        )
        + "</p>"
    )
    if found.problems:
        parts.append(error_note(text("changes_restore_refused", lang)))
        parts.append(_problems(found.problems))
    elif not found.files:
        parts.append(message(text("changes_restore_nothing", lang)))
    else:
        parts.append(
            f'<form method="post" action="{e(version_path(target.revision))}/palauta">'
            f"{hidden('csrf', csrf)}{hidden('nykyinen', found.head)}"
            f'<button type="submit" class="warning">'
            f"{e(text('changes_restore_submit', lang, version=target.short))}</button></form>"
        )
    parts.append(_files(found.files, lang))
    parts.append(_back(lang))
    return "".join(parts)


# -- handlers ----------------------------------------------------------------------


def _revision(request: web.Request) -> str:
    return request.match_info.get("versio", "")


@needs("tables")
async def show(request: web.Request) -> web.StreamResponse:
    settings = _settings(request)
    lang = settings.lang
    if settings.history_dir is None:
        return _unavailable(request)
    try:
        changes = await blocking(history.log, settings.catalogue_dir, settings.history_dir, LIMIT)
    except history.HistoryError:
        log.exception("the catalogue's history cannot be read")
        return _unavailable(request, "changes_broken")
    note = ""
    restored, was = request.query.get("palautettu", ""), request.query.get("versio", "")
    if restored and was:
        note = message(text("changes_restored", lang, version=was[:10], new=restored[:10]))
    elif was:
        note = message(text("changes_unchanged", lang, version=was[:10]))
    return page(request, text("changes_title", lang), note + _listing(changes, lang), current=BASE)


async def _resolve(request: web.Request) -> Change | web.Response:
    settings = _settings(request)
    if settings.history_dir is None:
        return _unavailable(request)
    try:
        found: Change = await blocking(
            history.resolve, settings.catalogue_dir, settings.history_dir, _revision(request)
        )
        return found
    except history.HistoryError:
        lang = settings.lang
        body = error_note(text("changes_no_version", lang)) + _back(lang)
        return page(request, text("changes_title", lang), body, status=404, current=BASE)


@needs("tables")
async def change(request: web.Request) -> web.StreamResponse:
    settings = _settings(request)
    lang = settings.lang
    found = await _resolve(request)
    if isinstance(found, web.Response):
        return found
    assert settings.history_dir is not None
    diffs = await blocking(
        history.diff, settings.catalogue_dir, settings.history_dir, found.revision
    )
    body = (
        _meta(found, lang)
        + (_files(diffs, lang) if diffs else f"<p>{e(text('changes_no_changes', lang))}</p>")
        + f'<p><a class="button" href="{e(version_path(found.revision))}/palauta">'
        f"{e(text('changes_restore_link', lang))}</a></p>" + _back(lang)
    )
    title = text("changes_change_title", lang, version=found.short)
    return page(request, title, body, current=BASE)


async def _preview_page(
    request: web.Request, found: Change, note: str = "", status: int = 200
) -> web.Response:
    settings = _settings(request)
    assert settings.history_dir is not None
    preview = await blocking(
        history.preview, settings.catalogue_dir, settings.history_dir, found.revision
    )
    lang = settings.lang
    body = _preview_body(preview, lang, request["csrf"], note)
    title = text("changes_restore_title", lang, version=found.short)
    return page(request, title, body, status=status, current=BASE)


@needs("tables")
async def restore_preview(request: web.Request) -> web.StreamResponse:
    found = await _resolve(request)
    if isinstance(found, web.Response):
        return found
    return await _preview_page(request, found)


@needs("tables")
async def restore(request: web.Request) -> web.StreamResponse:
    settings = _settings(request)
    lang = settings.lang
    found = await _resolve(request)
    if isinstance(found, web.Response):
        return found
    assert settings.history_dir is not None
    form = await request.post()
    expected = form.get("nykyinen")
    if not isinstance(expected, str) or not expected:
        raise web.HTTPBadRequest(text="400\n")
    account = request["account"].name
    try:
        new = await blocking(
            history.restore,
            settings.catalogue_dir,
            settings.history_dir,
            found.revision,
            account,
            expected,
        )
    except history.Moved:
        return await _preview_page(request, found, text("changes_restore_moved", lang), 409)
    except history.RestoreRefused as refused:
        await audit_event(
            request,
            "catalogue_restore_refused",
            account,
            f"versio {found.short}: {len(refused.problems)} virhettä",
        )
        return await _preview_page(request, found, text("changes_restore_refused", lang), 400)
    except history.Busy:
        return await _preview_page(request, found, text("changes_restore_busy", lang), 503)
    query = {"versio": found.revision}
    if new:
        await audit_event(
            request, "catalogue_restored", account, f"versio {found.short} -> uusi {new[:10]}"
        )
        query["palautettu"] = new
    raise web.HTTPSeeOther(BASE + "?" + urlencode(query))
