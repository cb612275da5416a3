"""The publishing page's HTML: the running or last job's stages and lines,
the buttons, each bot's quality-gate table and the publishing history.
Every value passes `e`; texts come from texts.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from studybots.console import audit
from studybots.console.pages import PREFIX, e, hidden, message, scroll_table
from studybots.console.publishing import Job, stages
from studybots.console.texts import text
from studybots.core.names import BOTS

__all__ = ["PATH", "body"]

PATH = PREFIX + "julkaisu"
BOT_NAMES = {"tero": "Tero", "paavo": "Paavo"}
HISTORY_ACTIONS = ("published", "forced", "refused", "refused_floor", "rollback")


def bot_name(bot: str) -> str:
    return BOT_NAMES.get(bot, bot)


def _when(value: str | dt.datetime | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        return audit.local_time(value)
    try:
        return audit.local_time(dt.datetime.fromisoformat(value))
    except ValueError:
        return value


def _percent(value: object) -> str:
    if not isinstance(value, (int, float)):
        return "–"
    return f"{float(value) * 100:.1f} %".replace(".", ",")


def job_section(job: Job | None, lang: str) -> str:
    if job is None:
        return f"<p>{e(text('publish_none_yet', lang))}</p>"
    who = {"name": job.account, "time": _when(job.started)}
    if job.running:
        status = message(text(f"publish_running_{job.action}", lang, **who))
    elif job.returncode == 0:
        status = message(text(f"publish_done_{job.action}", lang, **who))
    elif job.floor_refused:
        status = message(text("publish_refused_floor", lang, **who), "error")
    elif job.refused:
        status = message(text("publish_refused", lang, **who), "error")
    else:
        status = message(text("publish_failed", lang, **who), "error")
    items = "".join(
        f'<li class="stage {e(s.state)}">'
        f"{e(text('stage_' + s.key, lang, bot=bot_name(s.bot)))}: "
        f"<strong>{e(text('state_' + s.state, lang))}</strong></li>"
        for s in stages(job)
    )
    lines = "\n".join(job.lines) or text("publish_no_output", lang)
    return (
        status
        + f'<ol class="stages" aria-label="{e(text("publish_stages", lang))}">{items}</ol>'
        + f"<details{' open' if job.running or job.returncode else ''}>"
        + f"<summary>{e(text('publish_output', lang))}</summary>"
        + f'<pre class="log" tabindex="0">{e(lines)}</pre></details>'
    )


def buttons(job: Job | None, lang: str, csrf: str, can_rollback: bool) -> str:
    running = job is not None and job.running
    disabled = " disabled" if running else ""
    parts = [
        f'<form method="post" action="{PATH}">{hidden("csrf", csrf)}{hidden("action", "publish")}'
        f'<button type="submit"{disabled}>{e(text("publish_button", lang))}</button>'
        f'<p class="hint">{e(text("publish_button_hint", lang))}</p></form>'
    ]
    if job is not None and job.refused and not job.floor_refused and not running:
        parts.append(
            f'<form method="post" action="{PATH}">{hidden("csrf", csrf)}{hidden("action", "force")}'
            f'<button type="submit" class="warning">{e(text("publish_force", lang))}</button>'
            f'<p class="hint">{e(text("publish_force_hint", lang))}</p></form>'
        )
    if can_rollback:
        parts.append(
            f'<form method="post" action="{PATH}/palauta">{hidden("csrf", csrf)}'
            f'<button type="submit"{disabled}>{e(text("publish_rollback", lang))}</button>'
            f'<p class="hint">{e(text("publish_rollback_hint", lang))}</p></form>'
        )
    return f'<div class="actions">{"".join(parts)}</div>'


def verdict_tables(verdicts: dict[str, dict[str, Any]], lang: str) -> str:
    if not verdicts:
        return f"<p>{e(text('gate_none_yet', lang))}</p>"
    columns = [text(k, lang) for k in ("gate_figure", "gate_live", "gate_new", "gate_result")]
    tables = []
    for bot in [b for b in BOTS if b in verdicts]:
        verdict = verdicts[bot]
        rows = []
        for row in verdict.get("rows", []):
            if not isinstance(row, dict):
                continue
            if row.get("below_floor"):
                result = text("gate_below_floor", lang, floor=_percent(row.get("floor")))
            elif row.get("weaker"):
                result = text("gate_weaker", lang)
            else:
                result = text("gate_ok", lang)
            rows.append(
                f'<tr><th scope="row">{e(row.get("label", ""))}</th>'
                f"<td>{e(_percent(row.get('old')))}</td><td>{e(_percent(row.get('new')))}</td>"
                f"<td>{e(result)}</td></tr>"
            )
        action = str(verdict.get("action", ""))
        caption = text(
            "gate_caption",
            lang,
            bot=bot_name(bot),
            time=_when(str(verdict.get("time", ""))),
            outcome=text(f"history_{action}", lang) if action in HISTORY_ACTIONS else action,
            resolved=verdict.get("resolved", 0),
        )
        tables.append(scroll_table(caption, "gate", columns, "".join(rows), caption=caption))
    return "".join(tables)


def history_table(history: list[dict[str, str]], lang: str) -> str:
    if not history:
        return f"<p>{e(text('history_none', lang))}</p>"
    columns = [
        text(k, lang) for k in ("history_time", "history_bot", "history_model", "history_action")
    ]
    rows = "".join(
        f"<tr><td>{e(_when(r.get('time', '')))}</td><td>{e(bot_name(r.get('bot', '')))}</td>"
        f"<td><code>{e(r.get('model', ''))}</code></td>"
        f"<td>{e(text('history_' + a, lang) if (a := r.get('action', '')) in HISTORY_ACTIONS else a)}</td></tr>"
        for r in history
    )
    return scroll_table(text("history_title", lang), "history", columns, rows)


def body(
    job: Job | None,
    verdicts: dict[str, dict[str, Any]],
    history: list[dict[str, str]],
    lang: str,
    csrf: str,
    can_rollback: bool,
    note: str = "",
) -> str:
    return (
        (message(note, "error") if note else "")
        + f"<p>{e(text('publish_intro', lang))}</p>"
        + f'<section aria-labelledby="now"><h2 id="now">{e(text("publish_now", lang))}</h2>'
        + job_section(job, lang)
        + buttons(job, lang, csrf, can_rollback)
        + "</section>"
        + f'<section aria-labelledby="gate"><h2 id="gate">{e(text("gate_title", lang))}</h2>'
        + f"<p>{e(text('gate_intro', lang))}</p>"
        + verdict_tables(verdicts, lang)
        + "</section>"
        + f'<section aria-labelledby="history"><h2 id="history">{e(text("history_title", lang))}</h2>'
        + history_table(history, lang)
        + "</section>"
    )
