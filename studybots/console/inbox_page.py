"""The review inbox in the console, for editors (permission "inbox").

/toimitus/saapuneet lists the questions of studybots/review/inbox.py,
grouped by meaning (studybots/review/groups.py), with their counts,
languages, the bot's best guesses by name, the reasons in Finnish and the
times in Finnish time. On a group, or on the questions of it the editor
keeps ticked, the editor can:

- map them to a term (Tero) or need (Paavo): one of the guesses with one
  click, or any other by typing its name (an `<input list>` with a
  `<datalist>` of the names: the browser suggests as one types, without any
  script; without a datalist it is a plain text field, checked on the
  server);
- make a new term of them (Tero; /saapuneet/uusi-termi, a form whose
  problems name the field);
- ignore them.

A question the safety check routed to crisis help is shown marked; it can be
ignored, but mapped only with the box "Näin merkinnän" ticked.

/saapuneet/ehdotukset shows the suggested phrasings (review/suggestions.py),
each confirmed with one click.

Every change goes through review/editing.py (`apply_rows`: the review
sheet's rules and the catalogue's validation, on a copy, written only
without errors), marks the questions' review status (inbox.set_status) and
is written to the audit log with the account (without the question's text:
the audit log holds nothing of students). The page then says what was done,
question by question, or which field is wrong. The handlers never trust a
question's text from the form: they take the keys and look the questions up
in the log again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from aiohttp import web

from studybots.catalogue import history, meta
from studybots.catalogue.load import load_catalogue
from studybots.console.common import SETTINGS, audit_event, blocking, needs, page
from studybots.console.pages import PREFIX, e, hidden, message
from studybots.console.settings import ConsoleSettings
from studybots.console.texts import TEXTS, text
from studybots.core.language import LANGUAGES
from studybots.core.names import BOTS
from studybots.review import suggestions
from studybots.review.editing import SheetResult, apply_rows
from studybots.review.groups import Group, e5_embedder, group
from studybots.review.inbox import (
    REASONS_FI,
    InboxItem,
    TargetNames,
    inbox,
    local_time,
    set_status,
    target_names,
)

__all__ = ["confirm_suggestion", "decide", "new_term", "new_term_form", "show", "show_suggestions"]

log = logging.getLogger(__name__)

BASE = PREFIX + "saapuneet"
NEW_TERM = BASE + "/uusi-termi"
SUGGESTIONS = BASE + "/ehdotukset"
# The new-term form's fields (the review sheet's columns); the translations
# of the catalogue's other languages follow them.
TERM_FIELDS = ("target", "term", "definition", "source_url", "area", "dimension", "phase")
TRANSLATED = ("term", "definition", "phrasings")
LONG = {"definition", "phrasings"}
PAGE = 30  # groups a page shows, most asked first


@dataclass
class View:
    groups: list[Group]
    names: TargetNames
    frequent: dict[str, suggestions.Suggestion]
    resemblance: suggestions.Resemblance


@dataclass
class Outcome:
    """What a decision did: lines to show, whether it was taken, an audit detail."""

    done: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    fields: dict[str, list[str]] = field(default_factory=dict)  # form field -> problems
    detail: str = ""


def _load(settings: ConsoleSettings, bot: str | None) -> View:
    items = inbox(settings.log_url, bot)
    names = target_names(settings.catalogue_dir)
    groups = group(items, e5_embedder())
    resemblance = suggestions.Resemblance(settings.catalogue_dir, e5_embedder())
    offered = suggestions.frequent(groups, names, resemblance)
    return View(groups, names, {s.key: s for s in offered}, resemblance)


def warm(settings: ConsoleSettings) -> None:
    """Embed the inbox's questions and its guesses' phrasings now (a thread
    at the console's start), so that the first editor does not wait for
    them: e5 takes ~10 ms a text on one core, a few thousand phrasings in all."""
    try:
        _load(settings, None)
    except Exception:  # the page will say what is wrong; the start goes on
        log.warning("inbox warm-up failed", exc_info=True)


def _bot(value: object) -> str | None:
    return value if isinstance(value, str) and value in BOTS else None


def _field(column: str, lang: str) -> str:
    """A sheet column as the form names it."""
    base, _, code = column.rpartition("_")
    if code in LANGUAGES and f"field_{base}_lang" in TEXTS[lang]:
        key = f"language_in_{code}"
        language = text(key, lang) if key in TEXTS[lang] else code
        return text(f"field_{base}_lang", lang, language=language)
    key = f"field_{column}"
    return text(key, lang) if key in TEXTS[lang] else column


def _problems(
    result: SheetResult, rows: list[dict[str, str]], lang: str, target_label: str
) -> Outcome:
    """The sheet's problems as the page says them: the question and the
    form's field (sheet row n is rows[n - 2]: the header is row 1)."""
    outcome = Outcome()
    for line, column, said in sorted(set(result.errors), key=lambda x: (x[0], x[1])):
        problem = said.replace("puolipisteillä eroteltuna", "kukin omalle rivilleen")
        where = rows[line - 2]["question"] if 2 <= line < len(rows) + 2 else ""
        label = target_label if column == "target" and target_label else _field(column, lang)
        if where and column:
            outcome.errors.append(
                text("inbox_error", lang, question=where, field=label, message=problem)
            )
        elif column:
            outcome.errors.append(text("field_problem", lang, field=label, message=problem))
        else:
            outcome.errors.append(text("inbox_error_general", lang, message=problem))
        if column:
            outcome.fields.setdefault(column, []).append(problem)
    return outcome


def _apply(
    rows: list[dict[str, str]], settings: ConsoleSettings, editor: str
) -> tuple[SheetResult | None, list[str]]:
    """apply_rows (the change a commit of the catalogue's history), or
    (None, []) when the catalogue folder or its history cannot be written (a
    read-only volume, another change holding the lock too long): the page
    says so instead of failing."""
    try:
        return apply_rows(rows, settings.catalogue_dir, editor, settings.history_dir)
    except (OSError, history.HistoryError):
        log.exception("the catalogue %s cannot be changed", settings.catalogue_dir)
        return None, []


def _version(result: SheetResult) -> str:
    """The audit detail's pointer into the catalogue's history."""
    return f"; versio {result.revision[:10]}" if result.revision else ""


def _done(result: SheetResult, lang: str, key: str = "inbox_done_map") -> list[str]:
    return [text(key, lang, question=r.question, what=r.text) for r in result.results if r.taken]


# -- the inbox page ----------------------------------------------------------------


def _datalists(names: TargetNames) -> str:
    """One list of names per bot for the map fields' suggestions."""
    lists = []
    for bot in BOTS:
        options = "".join(
            f'<option value="{e(name)}"></option>'
            for name in sorted(set(names.get(bot, {}).values()), key=str.casefold)
        )
        lists.append(f'<datalist id="kohteet-{bot}">{options}</datalist>')
    return "".join(lists)


def _languages(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{code} ({n})" for code, n in sorted(counts.items(), key=lambda x: -x[1]))


def _reasons(group_: Group) -> str:
    return "; ".join(REASONS_FI.get(r, r) for r, _ in group_.reasons.most_common())


def _name(names: TargetNames, bot: str, target: str) -> str:
    return names.get(bot, {}).get(target) or target


def _suggestion_form(
    csrf: str, s: suggestions.Suggestion, target: str, label: str, where: str = ""
) -> str:
    return (
        f'<form class="inline" method="post" action="{SUGGESTIONS}">{hidden("csrf", csrf)}{where}'
        f"{hidden('laji', s.kind)}{hidden('avain', s.key)}{hidden('kohde', target)}"
        f'<button type="submit" name="toiminto" value="vahvista">{e(label)}</button></form>'
    )


def _where(bot: str | None, number: int) -> str:
    """Hidden fields that bring an editor back to the inbox page they acted on."""
    return hidden("botti", bot or "") + hidden("sivu", str(number + 1))


def _group_card(number: int, g: Group, view: View, lang: str, csrf: str, where: str) -> str:
    gid = f"r{number}"
    guesses = g.guess_ids()
    known = view.names.get(g.bot, {})
    guess_names = "; ".join(_name(view.names, g.bot, x) for x in guesses)
    questions = "".join(
        f'<li class="choice"><input type="checkbox" id="{gid}q{i}" name="kysymys"'
        f' value="{e(item.key)}" checked>'
        f'<label for="{gid}q{i}"><q>{e(item.question)}</q> '
        f"{e(text('inbox_question_count', lang, n=item.count))}"
        + (f" · {e(item.lang)}" if item.lang else "")
        + ("" if not item.reasons.get("crisis") else " ⚠")
        + "</label></li>"
        for i, item in enumerate(g.items)
    )
    crisis = ""
    if g.crisis:
        crisis = (
            f'<p class="crisis" role="note">{e(text("inbox_crisis_mark", lang))}</p>'
            f'<p class="choice"><input type="checkbox" id="{gid}k" name="kriisi_nahty" value="1">'
            f'<label for="{gid}k">{e(text("inbox_crisis_seen", lang))}</label></p>'
        )
    guess_buttons = "".join(
        f'<button type="submit" class="secondary" name="arvaus" value="{e(x)}">'
        f"{e(text('inbox_map_guess', lang, name=_name(view.names, g.bot, x)))}</button>"
        for x in guesses
        if x in known
    )
    decide_form = (
        f'<form method="post" action="{BASE}">{hidden("csrf", csrf)}{hidden("ryhma", g.key)}{where}'
        f"<fieldset><legend>{e(text('inbox_questions', lang))}</legend>"
        f'<ul class="questions">{questions}</ul></fieldset>{crisis}'
        f'<label for="{gid}t">{e(text("inbox_target_" + g.bot, lang))}</label>'
        f'<span class="row"><input id="{gid}t" name="kohde" list="kohteet-{g.bot}"'
        ' autocomplete="off" maxlength="200">'
        # First, so that Enter in the field maps to what was typed, not a guess.
        f'<button type="submit" name="toiminto" value="liita">{e(text("inbox_map", lang))}'
        "</button></span>"
        f'<div class="buttons">{guess_buttons}'
        f'<button type="submit" class="quiet" name="toiminto" value="ohita">'
        f"{e(text('inbox_ignore', lang))}</button></div></form>"
    )
    extra = ""
    if g.bot == "tero":
        extra += (
            f'<p><a href="{NEW_TERM}?{e(urlencode({"ryhma": g.key}))}">'
            f"{e(text('inbox_new_term', lang))}</a></p>"
        )
    offered = view.frequent.get(g.key)
    if offered is not None:
        name = _name(view.names, g.bot, offered.target)
        extra += (
            f'<div class="suggestion"><p>'
            f"{e(text('inbox_suggestion_here', lang, n=suggestions.FREQUENT, name=name))}</p>"
            + _suggestion_form(
                csrf,
                offered,
                offered.target,
                text("inbox_confirm", lang, name=name),
                where + hidden("takaisin", "saapuneet"),
            )
            + "</div>"
        )
    return (
        f'<article class="group{" crisis-group" if g.crisis else ""}" aria-labelledby="{gid}h">'
        f'<h3 id="{gid}h"><q>{e(g.question)}</q></h3>'
        f'<p class="meta">{e(text("inbox_count", lang, n=g.count))} · '
        f"{e(text('inbox_bot_' + g.bot, lang))}</p>"
        "<dl>"
        f"<dt>{e(text('inbox_reasons', lang))}</dt><dd>{e(_reasons(g))}</dd>"
        f"<dt>{e(text('inbox_languages', lang))}</dt><dd>{e(_languages(g.languages) or '-')}</dd>"
        f"<dt>{e(text('inbox_guesses', lang))}</dt>"
        f"<dd>{e(guess_names or text('inbox_no_guesses', lang))}</dd>"
        f"<dt>{e(text('audit_time', lang))}</dt><dd>"
        f"{e(text('inbox_seen', lang, first=local_time(g.first_seen), last=local_time(g.last_seen)))}"
        "</dd></dl>" + decide_form + extra + "</article>"
    )


def _filter(bot: str | None, lang: str) -> str:
    options = f'<option value="">{e(text("inbox_filter_all", lang))}</option>' + "".join(
        f'<option value="{b}"{" selected" if b == bot else ""}>'
        f"{e(text('inbox_bot_' + b, lang))}</option>"
        for b in BOTS
    )
    return (
        f'<form class="period" method="get" action="{BASE}">'
        f'<label for="botti">{e(text("inbox_filter", lang))}</label>'
        f'<select id="botti" name="botti">{options}</select>'
        f'<button type="submit">{e(text("inbox_show", lang))}</button></form>'
    )


def _pages(bot: str | None, number: int, total: int, lang: str) -> str:
    """Links to the previous and next PAGE groups, if any."""
    last = max(0, (total - 1) // PAGE)
    links = []
    for target, key in ((number - 1, "inbox_previous"), (number + 1, "inbox_next")):
        if 0 <= target <= last and target != number:
            query = urlencode({k: v for k, v in (("botti", bot or ""), ("sivu", target + 1)) if v})
            links.append(f'<a href="{BASE}?{e(query)}">{e(text(key, lang))}</a>')
    if not links:
        return ""
    shown = text(
        "inbox_page_of",
        lang,
        first=number * PAGE + 1,
        last=min(total, (number + 1) * PAGE),
        total=total,
    )
    return (
        f'<nav class="pages" aria-label="{e(text("inbox_pages", lang))}">'
        f"<span>{e(shown)}</span> {' '.join(links)}</nav>"
    )


def _inbox_body(
    view: View,
    bot: str | None,
    lang: str,
    csrf: str,
    outcome: Outcome | None,
    number: int = 0,
) -> str:
    parts = [_notes(outcome, lang)]
    parts.append(f"<p>{e(text('inbox_intro', lang))}</p>")
    parts.append(
        f'<p><a href="{SUGGESTIONS}">{e(text("suggest_link", lang))}</a></p>' + _filter(bot, lang)
    )
    if not view.groups:
        parts.append(f"<p>{e(text('inbox_empty', lang))}</p>")
        return "".join(parts)
    parts.append(
        "<p>"
        + e(
            text(
                "inbox_summary",
                lang,
                groups=len(view.groups),
                questions=sum(len(g.items) for g in view.groups),
                count=sum(g.count for g in view.groups),
            )
        )
        + "</p>"
    )
    number = min(max(number, 0), (len(view.groups) - 1) // PAGE)
    shown = view.groups[number * PAGE : (number + 1) * PAGE]
    pages = _pages(bot, number, len(view.groups), lang)
    parts.append(_datalists(view.names) + pages)
    parts.append(
        '<div class="groups">'
        + "".join(
            _group_card(number * PAGE + n, g, view, lang, csrf, _where(bot, number))
            for n, g in enumerate(shown)
        )
        + "</div>"
        + pages
    )
    return "".join(parts)


def _notes(outcome: Outcome | None, lang: str) -> str:
    if outcome is None:
        return ""
    parts = [message(line, "error") for line in outcome.errors]
    if outcome.errors:
        parts.append(message(text("inbox_not_done", lang), "error"))
    if outcome.done:
        items = "".join(f"<li>{e(line)}</li>" for line in outcome.done)
        parts.append(f'<div class="message" role="status"><ul>{items}</ul></div>')
    return "".join(parts)


def _place(values: Mapping[str, object]) -> tuple[str | None, int]:
    """The bot filter and page number of ?botti=&sivu= (or a form's)."""
    page_number = values.get("sivu")
    try:
        number = int(page_number) - 1 if isinstance(page_number, str) else 0
    except ValueError:
        number = 0
    return _bot(values.get("botti")), max(number, 0)


@needs("inbox")
async def show(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    bot, number = _place(request.query)
    view = await blocking(_load, settings, bot)
    body = _inbox_body(view, bot, settings.lang, request["csrf"], None, number)
    return page(request, text("inbox_title", settings.lang), body, current=BASE)


def _chosen(settings: ConsoleSettings, keys: Iterable[str]) -> list[InboxItem]:
    pending = {item.key: item for item in inbox(settings.log_url)}
    return [pending[k] for k in dict.fromkeys(keys) if k in pending]


def _decide(
    settings: ConsoleSettings,
    editor: str,
    keys: list[str],
    action: str,
    target: str,
    crisis_seen: bool,
) -> Outcome:
    lang = settings.lang
    if not keys:
        return Outcome(errors=[text("inbox_nothing_chosen", lang)])
    chosen = _chosen(settings, keys)
    if not chosen or len({i.bot for i in chosen}) != 1:
        return Outcome(errors=[text("inbox_gone", lang)])
    bot = chosen[0].bot
    if action == "map" and not target:
        return Outcome(errors=[text("inbox_no_target", lang)], fields={"target": [""]})
    if action == "map" and any(i.reasons.get("crisis") for i in chosen) and not crisis_seen:
        return Outcome(errors=[text("inbox_crisis_unseen", lang)])
    rows = [
        {
            "bot": bot,
            "question": i.question,
            "lang": i.lang,
            "action": action,
            "target": target if action == "map" else "",
        }
        for i in chosen
    ]
    result, changed = _apply(rows, settings, editor)
    if result is None:
        return Outcome(errors=[text("inbox_cannot_write", lang)])
    if result.errors:
        return _problems(result, rows, lang, text("inbox_target_" + bot, lang))
    set_status(settings.log_url, result.decisions)
    resolved = {d["target"] for d in result.decisions}
    outcome = Outcome(
        done=_done(result, lang)
        if action == "map"
        else [text("inbox_done_ignore", lang, question=i.question) for i in chosen],
        detail=f"{bot}: {len(chosen)} kysymystä"
        + (f" -> {', '.join(sorted(resolved))}" if action == "map" else "")
        + (f"; {', '.join(changed)}" if changed else "")
        + _version(result),
    )
    if changed:
        outcome.done.append(text("inbox_publish_note", lang))
    return outcome


@needs("inbox")
async def decide(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    lang = settings.lang
    form = await request.post()
    keys = [k for k in form.getall("kysymys", []) if isinstance(k, str)]
    guess, choice, typed = form.get("arvaus"), form.get("toiminto"), form.get("kohde")
    if isinstance(guess, str) and guess:
        action, target = "map", guess
    elif choice == "liita":
        action, target = "map", typed.strip() if isinstance(typed, str) else ""
    elif choice == "ohita":
        action, target = "ignore", ""
    else:
        raise web.HTTPBadRequest(text="400\n")
    outcome = await blocking(
        _decide,
        settings,
        request["account"].name,
        keys,
        action,
        target,
        form.get("kriisi_nahty") == "1",
    )
    if not outcome.errors:
        done = "inbox_mapped" if action == "map" else "inbox_ignored"
        await audit_event(request, done, request["account"].name, outcome.detail)
    bot, number = _place(form)
    view = await blocking(_load, settings, bot)
    body = _inbox_body(view, bot, lang, request["csrf"], outcome, number)
    return page(
        request,
        text("inbox_title", lang),
        body,
        status=400 if outcome.errors else 200,
        current=BASE,
    )


# -- a new term --------------------------------------------------------------------


def _input(name: str, label: str, value: str, problems: list[str], extra: str = "") -> str:
    described = f' aria-invalid="true" aria-describedby="{name}-virhe"' if problems else ""
    note = (
        f'<p class="field-error" id="{name}-virhe">{e("; ".join(problems))}</p>' if problems else ""
    )
    if name.split("_")[0] in LONG:
        control = (
            f'<textarea id="{name}" name="{name}" rows="{8 if name.startswith("phrasings") else 3}"'
            f"{described}>{e(value)}</textarea>"
        )
    else:
        control = f'<input id="{name}" name="{name}" value="{e(value)}"{described}{extra}>'
    return f'<label for="{name}">{e(label)}</label>{note}{control}'


def _select(
    name: str, label: str, value: str, options: Mapping[str, str], problems: list[str], lang: str
) -> str:
    described = f' aria-invalid="true" aria-describedby="{name}-virhe"' if problems else ""
    note = (
        f'<p class="field-error" id="{name}-virhe">{e("; ".join(problems))}</p>' if problems else ""
    )
    choices = f'<option value="">{e(text("field_choose", lang))}</option>' + "".join(
        f'<option value="{e(code)}"{" selected" if code == value else ""}>'
        f"{e(code)} – {e(shown)}</option>"
        for code, shown in options.items()
    )
    return (
        f'<label for="{name}">{e(label)}</label>{note}'
        f'<select id="{name}" name="{name}"{described}>{choices}</select>'
    )


@dataclass
class TermForm:
    group: Group | None
    languages: tuple[str, ...]
    labels: dict[str, dict[str, str]]


def _term_form_data(settings: ConsoleSettings, key: str) -> TermForm:
    view = _load(settings, "tero")
    found = next((g for g in view.groups if g.key == key), None)
    labels = load_catalogue(settings.catalogue_dir).labels
    return TermForm(
        found,
        meta.languages(meta.read(settings.catalogue_dir)),
        {k: dict(labels[k]) for k in ("area", "dimension", "phase")},
    )


def _term_fields(languages: tuple[str, ...]) -> list[str]:
    fields = [*TERM_FIELDS, "phrasings"]
    for other in languages[1:]:
        fields += [f"{name}_{other}" for name in TRANSLATED]
    return fields


def _term_body(
    data: TermForm,
    key: str,
    lang: str,
    csrf: str,
    values: Mapping[str, str],
    chosen: set[str] | None = None,
    outcome: Outcome | None = None,
) -> str:
    if data.group is None:
        return (
            _notes(outcome, lang)
            + message(text("inbox_gone", lang), "error")
            + f'<p><a href="{BASE}">{e(text("newterm_back", lang))}</a></p>'
        )
    problems = outcome.fields if outcome else {}
    g = data.group
    questions = "".join(
        f'<li class="choice"><input type="checkbox" id="q{i}" name="kysymys" value="{e(item.key)}"'
        + (" checked" if chosen is None or item.key in chosen else "")
        + f'><label for="q{i}"><q>{e(item.question)}</q>'
        + (f" · {e(item.lang)}" if item.lang else "")
        + "</label></li>"
        for i, item in enumerate(g.items)
    )
    crisis = ""
    if g.crisis:
        crisis = (
            f'<p class="crisis" role="note">{e(text("inbox_crisis_mark", lang))}</p>'
            '<p class="choice"><input type="checkbox" id="kriisi" name="kriisi_nahty" value="1">'
            f'<label for="kriisi">{e(text("inbox_crisis_seen", lang))}</label></p>'
        )
    controls = []
    for name in _term_fields(data.languages):
        label = _field(name, lang)
        if name in data.labels:
            controls.append(
                _select(
                    name,
                    label,
                    values.get(name, ""),
                    data.labels[name],
                    problems.get(name, []),
                    lang,
                )
            )
        else:
            controls.append(_input(name, label, values.get(name, ""), problems.get(name, [])))
    checked = values.get("checked") == "kyllä"
    controls.append(
        (
            f'<p class="field-error">{e("; ".join(problems["checked"]))}</p>'
            if "checked" in problems
            else ""
        )
        + '<p class="choice"><input type="checkbox" id="checked" name="checked" value="kyllä"'
        + (" checked" if checked else "")
        + f'><label for="checked">{e(text("field_checked", lang))}</label></p>'
    )
    return (
        _notes(outcome, lang)
        + f"<p>{e(text('newterm_intro', lang))}</p>"
        + f'<form class="term" method="post" action="{NEW_TERM}">{hidden("csrf", csrf)}'
        + hidden("ryhma", key)
        + f"<fieldset><legend>{e(text('inbox_questions', lang))}</legend>"
        + f'<ul class="questions">{questions}</ul></fieldset>{crisis}'
        + "".join(controls)
        + f'<button type="submit">{e(text("newterm_submit", lang))}</button></form>'
        + f'<p><a href="{BASE}">{e(text("newterm_back", lang))}</a></p>'
    )


@needs("inbox")
async def new_term_form(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    key = request.query.get("ryhma", "")
    data = await blocking(_term_form_data, settings, key)
    body = _term_body(data, key, settings.lang, request["csrf"], {})
    status = 200 if data.group is not None else 404
    return page(request, text("newterm_title", settings.lang), body, status=status, current=BASE)


def _lines(value: str) -> str:
    """A textarea's lines as the sheet's ';'-separated list."""
    return ";".join(line.strip() for line in value.splitlines() if line.strip())


def _create(
    settings: ConsoleSettings,
    editor: str,
    keys: list[str],
    values: dict[str, str],
    crisis_seen: bool,
) -> Outcome:
    lang = settings.lang
    if not keys:
        return Outcome(errors=[text("inbox_nothing_chosen", lang)])
    chosen = [i for i in _chosen(settings, keys) if i.bot == "tero"]
    if not chosen:
        return Outcome(errors=[text("inbox_gone", lang)])
    if any(i.reasons.get("crisis") for i in chosen) and not crisis_seen:
        return Outcome(errors=[text("inbox_crisis_unseen", lang)])
    languages = meta.languages(meta.read(settings.catalogue_dir))
    first, others = chosen[0], chosen[1:]
    row = {"bot": "tero", "question": first.question, "lang": first.lang, "action": "new"}
    row.update({k: v.strip() for k, v in values.items() if not k.startswith("phrasings")})
    # The other chosen questions are phrasings too, each in its own language.
    for code in languages:
        column = "phrasings" if code == languages[0] else f"phrasings_{code}"
        typed = _lines(values.get(column, ""))
        extra = [i.question for i in others if (i.lang or languages[0]) == code]
        row[column] = ";".join(x for x in [typed, *extra] if x)
    result, changed = _apply([row], settings, editor)
    if result is None:
        return Outcome(errors=[text("inbox_cannot_write", lang)])
    if result.errors:
        return _problems(result, [row], lang, "")
    target = row.get("target", "")
    decisions = result.decisions + [
        {
            "key": i.key,
            "bot": "tero",
            "question": i.question,
            "status": "resolved",
            "action": "new",
            "target": target,
            "editor": editor,
        }
        for i in others
    ]
    set_status(settings.log_url, decisions)
    outcome = Outcome(
        done=[text("newterm_done", lang, what=r.text) for r in result.results if r.taken],
        detail=f"tero: {target}, {len(chosen)} kysymystä; {', '.join(changed)}" + _version(result),
    )
    outcome.done.append(text("inbox_publish_note", lang))
    return outcome


@needs("inbox")
async def new_term(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    lang = settings.lang
    form = await request.post()
    key = form.get("ryhma")
    key = key if isinstance(key, str) else ""
    keys = [k for k in form.getall("kysymys", []) if isinstance(k, str)]
    data = await blocking(_term_form_data, settings, key)
    values = {
        name: value
        for name in [*_term_fields(data.languages), "checked"]
        if isinstance(value := form.get(name, ""), str)
    }
    outcome = await blocking(
        _create,
        settings,
        request["account"].name,
        keys,
        values,
        form.get("kriisi_nahty") == "1",
    )
    if outcome.errors:
        body = _term_body(data, key, lang, request["csrf"], values, set(keys), outcome)
        return page(request, text("newterm_title", lang), body, status=400, current=BASE)
    await audit_event(request, "inbox_new_term", request["account"].name, outcome.detail)
    view = await blocking(_load, settings, None)
    body = _inbox_body(view, None, lang, request["csrf"], outcome)
    return page(request, text("inbox_title", lang), body, current=BASE)


# -- suggested phrasings -----------------------------------------------------------


@dataclass
class Offers:
    names: TargetNames
    frequent: list[suggestions.Suggestion]
    resembles: list[suggestions.Suggestion]


def _offers(settings: ConsoleSettings) -> Offers:
    view = _load(settings, None)
    resembles = suggestions.resembling(settings.log_url, view.names, view.resemblance)
    return Offers(view.names, list(view.frequent.values()), resembles)


def _offer(s: suggestions.Suggestion, offers: Offers, lang: str, csrf: str) -> str:
    name = _name(offers.names, s.bot, s.target)
    questions = "".join(f"<li><q>{e(q)}</q></li>" for q in s.questions)
    if s.kind == "frequent":
        about = text("suggest_frequent", lang, count=s.count, name=name)
        buttons = _suggestion_form(csrf, s, s.target, text("inbox_confirm", lang, name=name))
    else:
        other = _name(offers.names, s.bot, s.other)
        about = text(
            "suggest_resembles",
            lang,
            name=name,
            other=other,
            lead=f"{s.lead:.3f}",
            margin=f"{suggestions.MARGIN:.2f}",
        )
        buttons = _suggestion_form(
            csrf, s, s.target, text("inbox_confirm", lang, name=name)
        ) + _suggestion_form(csrf, s, s.other, text("inbox_confirm", lang, name=other))
    dismiss = (
        f'<form class="inline" method="post" action="{SUGGESTIONS}">{hidden("csrf", csrf)}'
        f"{hidden('laji', s.kind)}{hidden('avain', s.key)}"
        f'<button type="submit" class="quiet" name="toiminto" value="ohita">'
        f"{e(text('suggest_dismiss', lang))}</button></form>"
    )
    return (
        f'<article class="group"><ul class="asked">{questions}</ul>'
        f'<p class="meta">{e(text("inbox_bot_" + s.bot, lang))} · '
        f"{e(text('inbox_count', lang, n=s.count))}</p>"
        f'<p>{e(about)}</p><div class="buttons">{buttons}{dismiss}</div></article>'
    )


def _offers_body(offers: Offers, lang: str, csrf: str, outcome: Outcome | None) -> str:
    parts = [_notes(outcome, lang), f"<p>{e(text('suggest_intro', lang))}</p>"]
    for title, found in (
        (text("suggest_frequent_title", lang, n=suggestions.FREQUENT), offers.frequent),
        (text("suggest_resembles_title", lang), offers.resembles),
    ):
        parts.append(f"<h2>{e(title)}</h2>")
        if not found:
            parts.append(f"<p>{e(text('suggest_none', lang))}</p>")
        parts.append(
            '<div class="groups">'
            + "".join(_offer(s, offers, lang, csrf) for s in found)
            + "</div>"
        )
    parts.append(f'<p><a href="{BASE}">{e(text("newterm_back", lang))}</a></p>')
    return "".join(parts)


@needs("inbox")
async def show_suggestions(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    offers = await blocking(_offers, settings)
    body = _offers_body(offers, settings.lang, request["csrf"], None)
    return page(request, text("suggest_title", settings.lang), body, current=BASE)


def _settle(
    settings: ConsoleSettings, editor: str, kind: str, key: str, target: str, confirm: bool
) -> Outcome:
    lang = settings.lang
    offers = _offers(settings)
    found = next(
        (s for s in [*offers.frequent, *offers.resembles] if s.kind == kind and s.key == key),
        None,
    )
    if found is None or (confirm and (not target or target not in (found.target, found.other))):
        return Outcome(errors=[text("suggest_gone", lang)])
    question = found.questions[0]
    if not confirm:
        set_status(
            settings.log_url,
            [
                {
                    "key": k,
                    "bot": found.bot,
                    "question": q,
                    "status": "ignored",
                    "action": "ignore",
                    "target": "",
                    "editor": editor,
                }
                for k, q in zip(found.keys, found.questions)
            ],
        )
        return Outcome(
            done=[text("suggest_dismissed", lang, question=question)],
            detail=f"{found.bot}: {kind}, {len(found.keys)} kysymystä",
        )
    languages = {i.key: i.lang for g in _load(settings, found.bot).groups for i in g.items}
    rows = [
        {
            "bot": found.bot,
            "question": q,
            "lang": languages.get(k, found.lang),
            "action": "map",
            "target": target,
        }
        for k, q in zip(found.keys, found.questions)
    ]
    result, changed = _apply(rows, settings, editor)
    if result is None:
        return Outcome(errors=[text("inbox_cannot_write", lang)])
    if result.errors:
        return _problems(result, rows, lang, text("inbox_target_" + found.bot, lang))
    set_status(settings.log_url, result.decisions)
    return Outcome(
        done=_done(result, lang, "suggest_done") + [text("inbox_publish_note", lang)],
        detail=f"{found.bot}: {kind} -> {target}, {len(rows)} kysymystä; {', '.join(changed)}"
        + _version(result),
    )


@needs("inbox")
async def confirm_suggestion(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    lang = settings.lang
    form = await request.post()
    kind, key, target, choice = (form.get(n) for n in ("laji", "avain", "kohde", "toiminto"))
    if (
        kind not in ("frequent", "resembles")
        or not isinstance(key, str)
        or choice not in ("vahvista", "ohita")
    ):
        raise web.HTTPBadRequest(text="400\n")
    confirm = choice == "vahvista"
    outcome = await blocking(
        _settle,
        settings,
        request["account"].name,
        kind,
        key,
        target if isinstance(target, str) else "",
        confirm,
    )
    if not outcome.errors:
        action = "suggestion_confirmed" if confirm else "suggestion_dismissed"
        await audit_event(request, action, request["account"].name, outcome.detail)
    if form.get("takaisin") == "saapuneet":  # confirmed on the inbox page itself
        bot, number = _place(form)
        view = await blocking(_load, settings, bot)
        body = _inbox_body(view, bot, lang, request["csrf"], outcome, number)
        return page(
            request,
            text("inbox_title", lang),
            body,
            status=400 if outcome.errors else 200,
            current=BASE,
        )
    offers = await blocking(_offers, settings)
    body = _offers_body(offers, lang, request["csrf"], outcome)
    return page(
        request,
        text("suggest_title", lang),
        body,
        status=400 if outcome.errors else 200,
        current=BASE,
    )
