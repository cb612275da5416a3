"""The inbox in the console over real HTTP: a real SQLite question log full of
rows, a real console server on a port, a browser-like client, and a copy of
the catalogue that the editors' actions change (never the repository's).

The editor sees the questions grouped by meaning with counts, languages, the
bot's guesses by name, Finnish reasons and Finnish time; maps a group to a
term or need (phrasings added, review status and audit written), makes a new
term through a form that names a wrong field, ignores, confirms suggested
phrasings; crisis-marked questions need the mark acknowledged; an analyst
gets 403 and a form without its CSRF token is refused."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import json
import re
import shutil

import pytest
import sqlalchemy as sa

from studybots.catalogue.tables import read_table
from studybots.catalogue.validate import validate_catalogue
from studybots.console import model, web
from studybots.core.settings import PROJECT_ROOT
from studybots.questionlog.model import complete, ensure_schema, make_log_engine, message_log
from studybots.questionlog.model import review_status as review_table
from studybots.review.inbox import item_key
from tests.support.console import PREFIX, Browser, add_account, console_settings, serving

INBOX = PREFIX + "saapuneet"
START = dt.datetime(2026, 9, 1, 10, 0, tzinfo=dt.timezone.utc)  # 13.00 in Turku
XSS = '<script>alert("x")</script> mikä on <b>approt</b>'


def asked(text, n=1, bot="tero", outcome="out_of_scope", guesses=(), **extra):
    return [dict(text=text, bot=bot, outcome=outcome, guesses=list(guesses), **extra)] * n


LOG = [
    *asked("mikä on HOAS", 4, guesses=["out_of_scope", "termi_tys", "termi_soluasunto"]),
    *asked("Mikä on HOAS?", 2, outcome="suggest", guesses=["termi_tys", "termi_soluasunto"]),
    *asked("mitä HOAS tarkoittaa", 1, guesses=["out_of_scope", "termi_tys"]),
    # Asked 5 times; the bot's first guess is Kela, but it means the Kela card.
    *asked("kela kortti hukassa", 5, outcome="suggest", guesses=["termi_kela", "termi_kela_kortti"]),
    *asked("mitä tarkoittaa sitsit", 2, outcome="suggest", guesses=["termi_opiskelijajarjestot"]),
    *asked("mikä on kela", 1, outcome="answer", confidence=0.9, feedback="down", ref="kela"),
    *asked("föli lippu hinta", 1, outcome="answer", confidence=0.1, guesses=["termi_foli_kortti"]),
    *asked("en jaksa enää elää", 1, outcome="crisis", guesses=["crisis"]),
    *asked(XSS, 1),
    *asked("missä voi pelata sulkapalloa", 3, bot="paavo", outcome="no_answer",
           guesses=["tarve_liikunta", "tarve_kulttuuri"]),
    *asked("vad är fpa för något", 1, outcome="suggest", lang="sv", guesses=["termi_kela"]),
    # Answered confidently with Kela, but it is about the Kela card.
    *asked("mistä tilaan kelan kortin", 2, outcome="answer", confidence=0.9, ref="kela",
           guesses=["termi_kela", "termi_kela_kortti"]),
]  # fmt: skip


def fill_log(url: str, rows: list[dict]) -> None:
    records = []
    for i, r in enumerate(rows):
        guesses = r["guesses"]
        records.append(
            {
                "event_id": f"{i:032d}",
                "time": START + dt.timedelta(minutes=i),
                "bot": r["bot"],
                "channel": "rest",
                "conversation": f"{i:032x}",
                "text": r["text"],
                "intent": guesses[0] if guesses else None,
                "confidence": r.get("confidence", 0.3),
                "candidates": json.dumps(
                    [
                        {"name": g, "confidence": round(0.5 / (n + 1), 3)}
                        for n, g in enumerate(guesses)
                    ]
                ),
                "outcome": r["outcome"],
                "answer_ref": r.get("ref", ""),
                "feedback": r.get("feedback"),
                "lang": r.get("lang", "fi"),
            }
        )
    engine = make_log_engine(url)
    try:
        ensure_schema(engine)
        with engine.begin() as connection:
            connection.execute(message_log.insert(), complete(records))
    finally:
        engine.dispose()


@pytest.fixture()
def settings(tmp_path):
    catalogue = tmp_path / "catalogue"
    shutil.copytree(PROJECT_ROOT / "catalogue", catalogue)
    s = console_settings(tmp_path, catalogue_dir=catalogue)
    add_account(s, "eeva", ["editor"])
    add_account(s, "anna", ["analyst"])
    fill_log(s.log_url, LOG)
    return s


def run(scenario):
    return asyncio.run(asyncio.wait_for(scenario(), 120))


async def signed_in(base: str, name: str = "eeva") -> Browser:
    browser = Browser(base)
    assert await browser.login(name) == 303
    return browser


def phrasings(settings, rel="terms/phrasings.csv", column="term_id") -> set[tuple[str, str, str]]:
    return {
        (r.cells[column], r.cells["lang"], r.cells["text"])
        for r in read_table(settings.catalogue_dir / rel).rows
    }


def statuses(settings) -> dict[str, tuple[str, str, str, str]]:
    engine = make_log_engine(settings.log_url)
    try:
        with engine.connect() as connection:
            return {
                r.key: (r.status, r.action, r.target, r.editor)
                for r in connection.execute(sa.select(review_table))
            }
    finally:
        engine.dispose()


def audit(settings) -> list[tuple[str | None, str, str]]:
    engine = model.make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.select(model.audit).order_by(model.audit.c.id))
            return [(r.account, r.action, r.detail) for r in rows]
    finally:
        engine.dispose()


def visible(body: str) -> str:
    """The page's text, tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_the_editor_sees_groups_with_counts_names_reasons_languages_and_local_time(settings):
    repo_phrasings = (PROJECT_ROOT / "catalogue/terms/phrasings.csv").read_bytes()

    async def scenario():
        async with serving(web.make_app(settings)) as base:
            browser = await signed_in(base)
            try:
                _, home, _ = await browser.get(PREFIX)
                assert f'href="{INBOX}"' in home and "Saapuneet kysymykset" in home
                status, body, response = await browser.get(INBOX)
                assert status == 200
                assert "script-src" not in response.headers["Content-Security-Policy"]
                return body
            finally:
                await browser.close()

    body = run(scenario)
    text = visible(body)
    # The three HOAS questions, two of them the same text, are one group of 7.
    hoas = body[body.index("<q>mikä on HOAS</q></h3>") :].split("</article>")[0]
    assert "kysytty 7 kertaa" in visible(hoas) and "Tero (termit)" in visible(hoas)
    for question in ("mikä on HOAS", "mitä HOAS tarkoittaa"):
        assert f"<q>{question}</q>" in hoas
    assert "Mikä on HOAS?" not in hoas  # merged into "mikä on HOAS" (6×)
    assert "6×" in visible(hoas) and "fi (7)" in visible(hoas)
    # Guesses by name, reasons in Finnish, Finnish time.
    assert "TYS – Turun Ylioppilaskyläsäätiö; Soluasunto" in visible(hoas)
    assert "botti piti kysymystä aiheen ulkopuolisena" in visible(hoas)
    assert "botti ei ollut varma ja tarjosi vaihtoehtoja" in visible(hoas)
    assert "Ensimmäinen 2026-09-01 13:00, viimeisin 2026-09-01 13:06" in visible(hoas)
    assert "opiskelija antoi 👎" in text and "botti vastasi, mutta epävarmasti" in text
    assert "Paavo (palvelut)" in text and "Liikunta ja urheilu" in text
    assert "sv (1)" in text
    # A group asked at least 5 times is offered as phrasings of the guess it
    # resembles most, on the group itself; none of HOAS's guesses is near.
    card = body[body.index("<q>kela kortti hukassa</q></h3>") :].split("</article>")[0]
    assert "Kela – Kansaneläkelaitos; Kela-kortti" in visible(card)
    assert "lisää kysymykset ilmaisuiksi: Kela-kortti" in visible(card)
    assert "Vahvista: Kela-kortti" in visible(card) and "Vahvista" not in visible(hoas)
    # The crisis question is marked, and its mapping needs the mark seen.
    crisis = body[body.index("<q>en jaksa enää elää</q></h3>") :].split("</article>")[0]
    assert "Turvallisuustarkistus ohjasi kysymyksen kriisiavun luo" in crisis
    assert 'name="kriisi_nahty"' in crisis and "crisis-group" in body
    assert "ohjattiin kriisiavun luo" in visible(crisis)
    # Search as you type: datalists of names, no script anywhere.
    assert '<datalist id="kohteet-tero">' in body and '<option value="Kela-kortti">' in body
    assert '<datalist id="kohteet-paavo">' in body and 'list="kohteet-paavo"' in body
    assert "<script" not in body.replace("&lt;script", "")
    # What a student typed is escaped.
    assert "<b>approt</b>" not in body and "&lt;b&gt;approt&lt;/b&gt;" in body
    assert XSS in text
    # A confident answer is no inbox question.
    assert "mistä tilaan kelan kortin" not in text
    assert (PROJECT_ROOT / "catalogue/terms/phrasings.csv").read_bytes() == repo_phrasings


def test_mapping_a_group_adds_its_phrasings_and_says_what_was_done(settings):
    before = phrasings(settings)
    repo = (PROJECT_ROOT / "catalogue/terms/phrasings.csv").read_bytes()
    keys = [item_key("tero", "mikä on HOAS"), item_key("tero", "mitä HOAS tarkoittaa")]

    async def scenario():
        async with serving(web.make_app(settings)) as base:
            browser = await signed_in(base)
            try:
                await browser.get(INBOX)
                form = [("csrf", browser.csrf), ("ryhma", keys[0]), ("toiminto", "liita")]
                form += [("kysymys", k) for k in keys] + [("kohde", "soluasunto")]
                status, body, _ = await browser.post(INBOX, form)
                assert status == 200, visible(body)
                # By name, as the datalist offers it; a Paavo question to a need.
                form = [
                    ("csrf", browser.csrf),
                    ("ryhma", item_key("paavo", "missä voi pelata sulkapalloa")),
                    ("kysymys", item_key("paavo", "missä voi pelata sulkapalloa")),
                    ("toiminto", "liita"),
                    ("kohde", "Liikunta ja urheilu"),
                ]
                status, paavo, _ = await browser.post(INBOX, form)
                assert status == 200, visible(paavo)
                _, after, _ = await browser.get(INBOX)
                return body, paavo, after
            finally:
                await browser.close()

    body, paavo, after = run(scenario)
    said = visible(body)
    assert (
        "Tehty: mikä on HOAS: liitetään termiin soluasunto (Soluasunto): uusi ilmaisu (fi)" in said
    )
    assert "Tehty: mitä HOAS tarkoittaa: liitetään termiin soluasunto" in said
    assert "julkaisija julkaisee" in said
    assert phrasings(settings) - before == {
        ("soluasunto", "fi", "mikä on HOAS"),
        ("soluasunto", "fi", "mitä HOAS tarkoittaa"),
    }
    assert ("liikunta", "fi", "missä voi pelata sulkapalloa") in phrasings(
        settings, "services/need_phrasings.csv", "need_id"
    )
    assert "liitetään tarpeeseen liikunta (Liikunta ja urheilu)" in visible(paavo)
    assert validate_catalogue(settings.catalogue_dir) == []
    assert (PROJECT_ROOT / "catalogue/terms/phrasings.csv").read_bytes() == repo
    assert statuses(settings)[keys[0]] == ("resolved", "map", "soluasunto", "eeva")
    assert statuses(settings)[keys[1]][:3] == ("resolved", "map", "soluasunto")
    assert "<q>mikä on HOAS</q>" not in after and "<q>mitä tarkoittaa sitsit</q>" in after
    mapped = [a for a in audit(settings) if a[1] == "inbox_mapped"]
    assert [a[0] for a in mapped] == ["eeva", "eeva"]
    assert "tero: 2 kysymystä -> soluasunto" in mapped[0][2] and "HOAS" not in mapped[0][2]
    changes = read_table(settings.catalogue_dir / "changes.csv").rows
    assert {r.cells["editor"] for r in changes} == {"eeva"}


def test_a_wrong_target_a_crisis_question_and_ignoring(settings):
    before = phrasings(settings)
    crisis = item_key("tero", "en jaksa enää elää")
    sitsit = item_key("tero", "mitä tarkoittaa sitsit")

    async def scenario():
        async with serving(web.make_app(settings)) as base:
            browser = await signed_in(base)
            try:
                await browser.get(INBOX)
                pages = []
                for form in (
                    # An unknown term: the field is named, nothing changes.
                    {"ryhma": sitsit, "kysymys": sitsit, "toiminto": "liita", "kohde": "sitsit"},
                    # No question ticked.
                    {"ryhma": sitsit, "toiminto": "ohita"},
                    # The crisis question as a phrasing, without seeing the mark.
                    {"ryhma": crisis, "kysymys": crisis, "arvaus": "mielenterveys"},
                    # Ignoring it is fine.
                    {"ryhma": crisis, "kysymys": crisis, "toiminto": "ohita"},
                ):
                    pages.append(await browser.post(INBOX, {**form, "csrf": browser.csrf}))
                return pages
            finally:
                await browser.close()

    wrong, nothing, unseen, ignored = run(scenario)
    assert wrong[0] == 400
    assert (
        "Kysymys ”mitä tarkoittaa sitsit”, kenttä Liitä termiin (kirjoita nimeä, valitse "
        "listasta): termiä 'sitsit' ei ole" in visible(wrong[1])
    )
    assert "Mitään ei muutettu." in visible(wrong[1])
    assert nothing[0] == 400 and "Valitse ainakin yksi kysymys" in visible(nothing[1])
    assert unseen[0] == 400 and "turvallisuustarkistuksen merkintä" in visible(unseen[1])
    assert ignored[0] == 200 and "Ohitettu: en jaksa enää elää" in visible(ignored[1])
    assert phrasings(settings) == before
    assert statuses(settings) == {crisis: ("ignored", "ignore", "", "eeva")}
    assert [a[1] for a in audit(settings) if a[1].startswith("inbox_")] == ["inbox_ignored"]


def test_a_crisis_question_is_mapped_only_with_the_mark_seen(settings):
    crisis = item_key("tero", "en jaksa enää elää")

    async def scenario():
        async with serving(web.make_app(settings)) as base:
            browser = await signed_in(base)
            try:
                await browser.get(INBOX)
                form = {"ryhma": crisis, "kysymys": crisis, "toiminto": "liita"}
                form.update(kohde="Mielenterveys ja keskusteluapu", kriisi_nahty="1")
                return await browser.post(INBOX, {**form, "csrf": browser.csrf})
            finally:
                await browser.close()

    status, body, _ = run(scenario)
    assert status == 200, visible(body)
    assert ("mielenterveys", "fi", "en jaksa enää elää") in phrasings(settings)


def test_a_bad_new_term_form_names_the_field_and_a_good_one_adds_the_term(settings):
    sitsit = item_key("tero", "mitä tarkoittaa sitsit")
    good = {
        "target": "sitsit",
        "term": "Sitsit",
        "definition": "Sitsit ovat opiskelijoiden pöytäjuhlat, joissa lauletaan ja syödään.",
        "source_url": "https://www.tyy.fi/",
        "area": "vapaa-aika",
        "dimension": "7",
        "phase": "asettuminen",
        "phrasings": "\n".join(
            ["mitä on sitsit", "sitsit", "mikä on sitsi", "sitsit turussa", "mitä sitseillä tehdään",
             "miten sitseille pääsee", "sitsien laulut"]
        ),
        "term_sv": "Sittning",
        "definition_sv": "Sittning är studenternas bordsfest med sång och mat.",
        "phrasings_sv": "\n".join(
            ["vad är sittning", "sittning", "sitsit", "vad gör man på sittning", "sittning i åbo",
             "hur kommer jag på sittning", "sittningssånger", "vad betyder sitsit", "sittning med sång"]
        ),
        "term_en": "Sitsit",
        "definition_en": "Sitsit is a student dinner party with songs.",
        "phrasings_en": "\n".join(
            ["what is sitsit", "sitsit dinner", "what are sitsit", "sitsit party", "student dinner party",
             "how to join sitsit", "sitsit songs", "what happens at sitsit"]
        ),
    }  # fmt: skip

    async def scenario():
        async with serving(web.make_app(settings)) as base:
            browser = await signed_in(base)
            try:
                path = f"{INBOX}/uusi-termi?ryhma={sitsit}"
                status, form_page, _ = await browser.get(path)
                assert status == 200
                assert '<select id="area" name="area">' in form_page
                assert "<q>mitä tarkoittaa sitsit</q>" in form_page
                bad = {**good, "target": "Sitsit Juhla", "csrf": browser.csrf}
                bad.update(ryhma=sitsit, kysymys=sitsit)
                wrong = await browser.post(f"{INBOX}/uusi-termi", bad)
                bad.update(target="sitsit", source_url="", phrasings_en="what is sitsit")
                wrong_too = await browser.post(f"{INBOX}/uusi-termi", bad)
                right = {**good, "csrf": browser.csrf, "ryhma": sitsit, "kysymys": sitsit}
                done = await browser.post(f"{INBOX}/uusi-termi", right)
                missing = await browser.get(f"{INBOX}/uusi-termi?ryhma=ei-ole")
                return form_page, wrong, wrong_too, done, missing
            finally:
                await browser.close()

    form_page, wrong, wrong_too, done, missing = run(scenario)
    assert wrong[0] == 400
    said = visible(wrong[1])
    assert "kenttä Tunnus (pienet kirjaimet a-z, numerot ja _, esim. hoas)" in said
    assert "saa sisältää vain pieniä kirjaimia" in said
    assert 'id="target" name="target" value="Sitsit Juhla" aria-invalid="true"' in wrong[1]
    assert "Sitsit ovat opiskelijoiden pöytäjuhlat" in wrong[1]  # what was typed stays
    assert wrong_too[0] == 400
    said = visible(wrong_too[1])
    assert "kenttä Virallinen lähde (https://...): pakollinen tieto puuttuu" in said
    assert 'id="source_url-virhe"' in wrong_too[1]
    assert "kenttä Ilmaisut englanniksi (vähintään 8, kukin omalle rivilleen)" in said
    assert "lisää 7 kukin omalle rivilleen" in said
    assert "Sitsit ovat opiskelijoiden pöytäjuhlat" in wrong[1]  # what was typed stays
    assert done[0] == 200, visible(done[1])
    assert "Uusi termi lisätty: uusi termi sitsit (Sitsit)" in visible(done[1])
    terms = {
        r.cells["id"]: r.cells for r in read_table(settings.catalogue_dir / "terms/terms.csv").rows
    }
    assert terms["sitsit"]["term_sv"] == "Sittning" and terms["sitsit"]["checked"] == ""
    assert ("sitsit", "fi", "mitä tarkoittaa sitsit") in phrasings(settings)
    assert validate_catalogue(settings.catalogue_dir) == []
    assert statuses(settings)[sitsit][:3] == ("resolved", "new", "sitsit")
    assert [a[1] for a in audit(settings)].count("inbox_new_term") == 1
    assert missing[0] == 404


def test_suggested_phrasings_are_confirmed_with_one_click(settings):
    often = item_key("tero", "kela kortti hukassa")
    card = item_key("tero", "mistä tilaan kelan kortin")

    async def scenario():
        async with serving(web.make_app(settings)) as base:
            browser = await signed_in(base)
            try:
                status, listing, _ = await browser.get(INBOX + "/ehdotukset")
                assert status == 200
                confirm = {"csrf": browser.csrf, "toiminto": "vahvista"}
                resembles = await browser.post(
                    INBOX + "/ehdotukset",
                    {**confirm, "laji": "resembles", "avain": card, "kohde": "kela_kortti"},
                )
                frequent = await browser.post(  # the button on the inbox's group
                    INBOX + "/ehdotukset",
                    {**confirm, "laji": "frequent", "avain": often, "kohde": "kela_kortti"}
                    | {"takaisin": "saapuneet", "botti": "", "sivu": "1"},
                )
                again = await browser.post(
                    INBOX + "/ehdotukset",
                    {**confirm, "laji": "frequent", "avain": often, "kohde": "kela_kortti"},
                )
                return listing, resembles, frequent, again
            finally:
                await browser.close()

    listing, resembles, frequent, again = run(scenario)
    text = visible(listing)
    assert "Usein kysytyt (vähintään 5 kertaa)" in text
    assert "Ryhmä on kysytty 5 kertaa; lähinnä botin arvauksista: Kela-kortti" in text
    assert "mikä on HOAS" not in text  # no guess of it is near enough
    assert "mistä tilaan kelan kortin" in text
    assert "Botti vastasi varmasti: Kela – Kansaneläkelaitos" in text and "Kela-kortti" in text
    assert "mitä tarkoittaa sitsit" not in text  # asked twice only
    assert "en jaksa" not in text  # a crisis question is never a one-click phrasing
    assert resembles[0] == 200, visible(resembles[1])
    assert "Vahvistettu: mistä tilaan kelan kortin: liitetään termiin kela_kortti" in visible(
        resembles[1]
    )
    assert frequent[0] == 200, visible(frequent[1])
    assert "<h1>Saapuneet kysymykset</h1>" in frequent[1]
    assert "Vahvistettu: kela kortti hukassa: liitetään termiin kela_kortti" in visible(frequent[1])
    added = phrasings(settings)
    assert ("kela_kortti", "fi", "mistä tilaan kelan kortin") in added
    assert ("kela_kortti", "fi", "kela kortti hukassa") in added
    assert again[0] == 400 and "Ehdotusta ei enää ole" in visible(again[1])
    assert statuses(settings)[card] == ("resolved", "map", "kela_kortti", "eeva")
    assert statuses(settings)[often] == ("resolved", "map", "kela_kortti", "eeva")
    assert [a[1] for a in audit(settings)].count("suggestion_confirmed") == 2
    assert validate_catalogue(settings.catalogue_dir) == []


def test_an_analyst_gets_403_and_a_form_without_csrf_is_refused(settings):
    before = phrasings(settings)
    hoas = item_key("tero", "mikä on HOAS")
    form = {"ryhma": hoas, "kysymys": hoas, "toiminto": "liita", "kohde": "tys"}

    async def scenario():
        async with serving(web.make_app(settings)) as base:
            analyst = await signed_in(base, "anna")
            editor = await signed_in(base)
            try:
                _, home, _ = await analyst.get(PREFIX)
                assert f'href="{INBOX}"' not in home
                results = []
                for path in ("", "/ehdotukset", f"/uusi-termi?ryhma={hoas}"):
                    results.append((await analyst.get(INBOX + path))[0])
                results.append((await analyst.post(INBOX, {**form, "csrf": analyst.csrf}))[0])
                await editor.get(INBOX)
                no_token = await editor.post(INBOX, form)
                wrong_origin = await editor.post(
                    INBOX + "/ehdotukset",
                    {"csrf": editor.csrf, "laji": "frequent", "avain": hoas, "kohde": "tys",
                     "toiminto": "vahvista"},
                    origin="http://evil.example",
                )  # fmt: skip
                return results, no_token, wrong_origin
            finally:
                await analyst.close()
                await editor.close()

    results, no_token, wrong_origin = run(scenario)
    assert results == [403, 403, 403, 403]
    assert no_token[0] == 403 and "Lomake ei ollut voimassa" in no_token[1]
    assert wrong_origin[0] == 403
    assert phrasings(settings) == before and statuses(settings) == {}
    actions = [(a[0], a[1]) for a in audit(settings)]
    assert actions.count(("anna", "forbidden")) == 4
    assert actions.count(("eeva", "csrf_refused")) == 2


def test_a_long_inbox_is_shown_a_page_at_a_time(settings, monkeypatch):
    from studybots.console import inbox_page

    monkeypatch.setattr(inbox_page, "PAGE", 4)

    async def scenario():
        async with serving(web.make_app(settings)) as base:
            browser = await signed_in(base)
            try:
                first = (await browser.get(INBOX))[1]
                second = (await browser.get(INBOX + "?sivu=2"))[1]
                paavo = (await browser.get(INBOX + "?botti=paavo"))[1]
                # Acting on page 2 shows page 2 again, with what was done.
                key = re.search(r'name="ryhma" value="([0-9a-f]+)"', second).group(1)
                form = {"csrf": browser.csrf, "ryhma": key, "kysymys": key, "toiminto": "ohita"}
                acted = await browser.post(INBOX, {**form, "botti": "", "sivu": "2"})
                return first, second, paavo, acted
            finally:
                await browser.close()

    first, second, paavo, acted = run(scenario)
    total = int(re.search(r"(\d+) ryhmää", first).group(1))
    assert total > 4 and first.count('<article class="group') == 4
    assert f"Ryhmät 1–4 / {total}" in first and 'href="/toimitus/saapuneet?sivu=2"' in first
    assert f"Ryhmät 5–8 / {total}" in visible(second) and "<q>mikä on HOAS</q>" not in second
    assert "<q>missä voi pelata sulkapalloa</q>" in paavo and "<q>mikä on HOAS</q>" not in paavo
    assert acted[0] == 200 and "Ohitettu:" in visible(acted[1])
    assert f"Ryhmät 5–8 / {total - 1}" in visible(acted[1])


def test_a_catalogue_that_cannot_be_written_is_said_so(settings, monkeypatch):
    from studybots.console import inbox_page

    def read_only(*args):
        raise PermissionError(30, "Read-only file system")

    monkeypatch.setattr(inbox_page, "apply_rows", read_only)
    hoas = item_key("tero", "mikä on HOAS")

    async def scenario():
        async with serving(web.make_app(settings)) as base:
            browser = await signed_in(base)
            try:
                await browser.get(INBOX)
                form = {"ryhma": hoas, "kysymys": hoas, "arvaus": "tys", "csrf": browser.csrf}
                return await browser.post(INBOX, form)
            finally:
                await browser.close()

    status, body, _ = run(scenario)
    assert status == 400 and "Luetteloon ei voi kirjoittaa tällä palvelimella" in visible(body)
    assert statuses(settings) == {}
