"""The web chat widget in a real browser: headless Chromium (Debian's
/usr/bin/chromium) driven by tests/browser/widget.mjs through playwright-core,
against the real bots of the `stack` fixture.

The script asks Tero and Paavo, presses a button, types markup, reloads the
page, and waits while this test stops and restarts Tero's server; axe-core
checks the page (WCAG 2.1 A/AA) closed, open and at mobile width. Paavo's
service cards are checked from the real bot and, for hostile content, from a
stand-in Socket.IO server in the page. Screenshots are kept in results/widget/. Under CI=true a missing Chromium or Node fails
the test instead of skipping it.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import time
import urllib.request

import pytest

from studybots.core.settings import PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / "results" / "widget"
SCRIPT = PROJECT_ROOT / "tests" / "browser" / "widget.mjs"
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
PLAYWRIGHT = PROJECT_ROOT / "node_modules" / "playwright-core"
EDITOR_MARKUP = (
    'Verokortti <img src="/static/x-editor.png" onerror="window.__xss=3"> '
    "<script>window.__xss=4</script> [klikkaa](javascript:window.__xss=5) "
    "ja [Verohallinto](https://www.vero.fi/henkiloasiakkaat/verokortti/)."
)


def require(ok: bool, message: str) -> None:
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def set_definition(stack, term: str, definition: str) -> None:
    path = stack["settings"].catalogue_dir / "terms" / "terms.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if row["id"] == term:
            row["definition"] = definition
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0].keys()), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def tero_says(port: int, text: str) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/webhooks/rest/webhook",
        data=json.dumps({"sender": f"widget-check-{time.time_ns()}", "message": text}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as resp:
        return "\n".join(m.get("text") or "" for m in json.loads(resp.read()))


@pytest.fixture(scope="module")
def browser_run(stack, request):
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium")
    require(bool(chromium), "chromium is not installed (make install installs it)")
    require(bool(shutil.which("node")), "node is not installed (make install installs npm)")
    require(PLAYWRIGHT.is_dir() and AXE.is_file(), "node_modules missing: run make install")

    # An editor's definition with markup: the widget must show it as text. The
    # stack is shared with the other end-to-end tests: the table is put back.
    terms = stack["settings"].catalogue_dir / "terms" / "terms.csv"
    original = terms.read_bytes()

    def put_back() -> None:
        # ...and wait until the bot answers from it again: the tests after
        # this module expect the committed definition (the bot reloads the
        # catalogue on its own schedule).
        terms.write_bytes(original)
        deadline = time.monotonic() + 30
        while "window.__xss" in tero_says(stack["settings"].tero_port, "mikä on verokortti"):
            assert time.monotonic() < deadline, "the committed definition did not come back"
            time.sleep(0.5)

    request.addfinalizer(put_back)
    set_definition(stack, "verokortti", EDITOR_MARKUP)
    deadline = time.monotonic() + 20
    while "window.__xss" not in tero_says(stack["settings"].tero_port, "mikä on verokortti"):
        assert time.monotonic() < deadline, "edited definition did not go live"
        time.sleep(1)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    env = dict(
        os.environ,
        WEB_URL=f"http://localhost:{stack['settings'].web_port}/",
        CHROMIUM=chromium,
        ARTIFACTS=str(ARTIFACTS),
        AXE=str(AXE),
    )
    process = subprocess.Popen(
        ["node", str(SCRIPT)],
        cwd=PROJECT_ROOT,
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    bots = stack["servers"]
    watcher = stack["supervisor"]  # stopped on purpose: not restarted behind the test's back
    steps: list[dict] = []
    result = None
    stopped: set[str] = set()
    try:
        for line in process.stdout:
            line = line.rstrip("\n")
            if line.startswith("STEP "):
                request = json.loads(line[5:])
                server = bots[request["bot"]]
                started = time.monotonic()
                if request["do"] == "stop":
                    watcher.stop_one(server.name)
                    stopped.add(server.name)
                else:
                    watcher.start_one(server.name)
                    stopped.discard(server.name)
                steps.append(dict(request, seconds=round(time.monotonic() - started, 1)))
                process.stdin.write("OK\n")
                process.stdin.flush()
            elif line.startswith("RESULT "):
                result = json.loads(line[7:])
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for name in stopped:  # the other tests need every server
            watcher.start_one(name)
        (ARTIFACTS / "browser.log").write_text(process.stderr.read(), encoding="utf-8")
    assert process.returncode == 0 and result is not None, (ARTIFACTS / "browser.log").read_text(
        encoding="utf-8"
    )[-3000:]
    result["steps"] = steps
    (ARTIFACTS / "result.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return result


def test_page_looks_like_a_city_site_and_the_launcher_is_reached_by_keyboard(browser_run):
    checks = browser_run["checks"]
    assert checks["site_heading"] == "Opiskelijana Turkuun"
    assert checks["launcher_reached_by_tab"]
    assert checks["launcher_label"] == "Kysy botilta (avaa chat)"
    assert checks["input_focused_on_open"]
    assert checks["dialog_label"] == "dialog:Kysy opiskelijaboteilta"
    assert checks["escape_closes"] and checks["focus_back_on_launcher"]


def test_tero_answers_with_links_buttons_and_a_typing_indicator(browser_run):
    checks = browser_run["checks"]
    assert "Kela" in checks["tero_reply"]
    assert checks["typing_indicator_shown"]
    assert checks["tero_links"], checks["tero_reply"]
    for link in checks["tero_links"]:
        assert link["href"].startswith("https://")
        assert link["target"] == "_blank" and link["rel"] == "noopener noreferrer"
    assert checks["quick_replies"] == ["👍 Hyödyllinen", "👎 Ei auttanut"]
    assert checks["after_button_user"].endswith("👍 Hyödyllinen")
    assert "palautteesta" in checks["after_button_reply"]
    assert checks["quick_replies_left_after_button"] == 0


def test_paavo_answers_in_the_same_widget(browser_run):
    checks = browser_run["checks"]
    assert checks["paavo_pressed"] == "true"
    assert "palvelu" in checks["paavo_reply"].lower()
    # A crisis message: the numbers are tel: links (most urgent first), opened in
    # place (no new tab), and nothing the student types becomes a link.
    assert "Kiitos, että kerroit" in checks["crisis_reply"]
    tel = [link for link in checks["crisis_links"] if link["href"].startswith("tel:")]
    assert tel[0] == {"href": "tel:112", "text": "112", "target": ""}, checks["crisis_links"]
    assert {"href": "tel:+358925250111", "text": "09 2525 0111", "target": ""} in tel
    assert checks["user_tel_links"] == 0


def test_paavo_answers_with_one_card_per_service(browser_run, catalogue):
    checks = browser_run["checks"]
    # One message with the cards (and perhaps Paavo's optional question after it).
    assert checks["paavo_messages"] in (1, 2), checks["paavo_messages"]
    answer = checks["paavo_cards"]
    assert answer["bubbles"] == ["Aihe: Asunnon etsiminen. Nämä palvelut voisivat auttaa:"]
    assert 1 <= len(answer["cards"]) <= 5
    by_name = {s.name: s for s in catalogue.services.values()}
    for card in answer["cards"]:
        assert card["name"] and card["summary"]
        assert "…" not in card["summary"], card  # the first sentence, not a cut
        assert card["links"] == 1 and card["label"] == "Palvelun sivu"
        assert card["name_of_link"] == f"Palvelun sivu: {card['name']} (avautuu uuteen välilehteen)"
        assert card["href"].startswith("https://")
        assert card["target"] == "_blank" and card["rel"] == "noopener noreferrer"
        assert card["host"] and card["host"] in card["href"]
        service = by_name.get(card["name"])
        if service:  # a curated service: the card shows its own data
            assert card["provider"] == service.provider
            assert " ".join(service.description.split()).startswith(card["summary"])
            assert card["href"].rstrip("/") == service.url.rstrip("/")
    assert answer["quick"] == ["👍 Hyödyllinen", "👎 Ei auttanut"]
    assert answer["attribution"] == []  # curated services only: no PTV attribution

    ptv = checks["paavo_ptv_cards"]
    assert any(c["name"] == "Verokortti" for c in ptv["cards"]), ptv
    assert [a["text"] for a in ptv["attribution"]] == [
        "Palveluiden tiedot: Palvelutietovaranto, Digi- ja väestötietovirasto (CC BY 4.0)."
    ]
    assert ptv["attribution"][0]["fontSize"] < ptv["bodyFontSize"]  # small
    assert checks["paavo_ptv_reply"].count("Palvelutietovaranto") == 1  # once


def test_paavo_cards_fit_a_phone(browser_run):
    mobile = browser_run["checks"]["paavo_mobile"]
    assert mobile["panelWidth"] <= 375
    assert mobile["cardsInside"] and not mobile["logOverflow"] and not mobile["pageOverflow"]
    for name in ("widget-paavo-desktop.png", "widget-paavo-mobile.png"):
        assert (ARTIFACTS / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


HOSTILE_NAME = '<img src="/static/x-card.png" onerror="window.__xss=22">Kela'
TAMPERED_NAME = '<img src="/static/x-card.png" onerror="window.__xss=32">'


@pytest.mark.parametrize("when", ["hostile_cards", "hostile_cards_after_reload"])
def test_service_cards_with_hostile_content_stay_text(browser_run, when):
    seen = browser_run["checks"][when]
    assert seen["flag"] is None and seen["images"] == 0 and seen["scripts"] == 0
    assert set(seen["elements"]) <= {
        "a",
        "button",
        "dd",
        "div",
        "dl",
        "dt",
        "h3",
        "li",
        "p",
        "span",
        "ul",
    }
    # Links only to absolute http(s) addresses: javascript:, data:, relative and
    # " javascript:" addresses were dropped; at most ten cards, nameless ones left out.
    cards_links = [h for h in seen["links"] if "turku.fi" in h or "kela.fi" in h]
    assert cards_links == seen["links"]
    assert all(h.startswith("https://") for h in seen["links"]), seen["links"]
    assert len(seen["cards"]) == 10
    names = [c["name"] for c in seen["cards"]]
    assert names[:5] == [
        HOSTILE_NAME,
        "Data" if when == "hostile_cards" else TAMPERED_NAME,
        "Suhteellinen",
        "Välilyönti",
        "Kela OK",
    ]
    first = seen["cards"][0]
    assert first["provider"] == "<script>window.__xss=23</script>"
    assert first["summary"].startswith("[klikkaa](javascript:window.__xss=24) <b>lihava</b>")
    assert first["label"] is None  # its javascript: address: no link at all
    assert seen["cards"][4]["label"] == '<b onclick="window.__xss=28">Sivu</b>'
    assert seen["cards"][5]["label"] == "Palvelun sivu"  # the widget's own label
    assert len(seen["links"]) == 6
    assert seen["intro"].startswith('<img src="/static/x-card.png"')
    assert seen["glossary"] == ["<i>Kela</i><script>window.__xss=29</script>"]
    assert seen["attribution"] == '<a href="javascript:window.__xss=30">lähde</a>'
    assert not seen["fallbackShown"]  # cards instead of the plain text, not both
    assert browser_run["checks"]["card_image_requests"] == []


def test_nothing_typed_by_a_user_or_an_editor_is_rendered_as_html(browser_run):
    checks = browser_run["checks"]
    assert [t.split(": ", 1)[1] for t in checks["xss_user_texts"]] == [
        '<img src="/static/x-user.png" onerror="window.__xss=1">',
        "<script>window.__xss=2</script>",
    ]
    assert (
        '<img src="/static/x-editor.png" onerror="window.__xss=3">' in checks["editor_markup_reply"]
    )
    assert "<script>window.__xss=4</script>" in checks["editor_markup_reply"]
    xss = checks["xss"]
    assert xss["flag"] is None and xss["images"] == 0 and xss["scripts"] == 0
    # Only http(s) addresses became links: the javascript: one stayed text.
    assert all(href.startswith(("http://", "https://")) for href in xss["links"]), xss["links"]
    assert "https://www.vero.fi/henkiloasiakkaat/verokortti/" in xss["links"]
    assert "[klikkaa](javascript:window.__xss=5)" in checks["editor_markup_reply"]
    assert checks["image_requests"] == []


def test_conversation_survives_a_reload(browser_run):
    checks = browser_run["checks"]
    assert checks["after_reload_same_transcript"]
    assert checks["after_reload_bot"] == "paavo"
    assert checks["after_reload_same_session"]
    assert "palvelu" in checks["after_reload_reply"].lower()


def test_the_widget_keeps_the_session_id_the_bot_issued(browser_run, stack):
    from studybots.bot.channels.sessions import SessionIds
    from studybots.privacy.pseudonyms import load_key

    ids = SessionIds(load_key(stack["settings"].var_dir / "log.key"))
    checks = browser_run["checks"]
    # The id it kept across the reload is one the bot issued (random + HMAC tag) ...
    assert ids.verify(checks["paavo_session"]) is not None
    # ... and an id made up in the page was replaced by an issued one, which works.
    replaced = checks["chosen_session_replaced_by"]
    assert replaced != "a1b2c3d4e5f6a7b8" and ids.verify(replaced) is not None
    assert "kela" in checks["after_chosen_session_reply"].lower()


def test_widget_reconnects_after_a_bot_server_restart(browser_run):
    checks = browser_run["checks"]
    assert [s["do"] for s in browser_run["steps"]] == ["stop", "start"]
    assert "Yhdistetään uudelleen" in checks["status_while_down"]
    assert checks["typing_while_down"]
    assert (
        "ylioppilaskunta" in checks["after_restart_reply"].lower()
        or "https://" in checks["after_restart_reply"]
    )
    assert checks["after_restart_state"] == "connected"
    assert "föli" in checks["after_restart_next"].lower()


def test_mobile_width(browser_run):
    mobile = browser_run["checks"]["mobile"]
    assert mobile["panelWidth"] <= 375 and mobile["panelLeft"] >= 0
    assert mobile["inputVisible"] and not mobile["overflow"]
    for name in ("widget-desktop.png", "widget-mobile.png", "widget-mobile-closed.png"):
        assert (ARTIFACTS / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_student_picks_a_language_and_everything_follows(browser_run, catalogue):
    langs = browser_run["checks"]["languages"]
    # The switch: each language's name in itself, marked with its language.
    assert [(b["text"], b["lang"]) for b in langs["switch"]] == [
        ("Suomi", "fi"),
        ("Svenska", "sv"),
        ("English", "en"),
    ]
    start = langs["start"]
    assert start["lang"] == "fi" and start["pressed"] == ["fi"]
    assert start["title"] == "Kysy opiskelijaboteilta" and start["greetingLang"] == "fi"
    kela = catalogue.terms["kela"]

    # Not picked: the bot detects English; the reply, the question and then the
    # widget itself are marked English (for screen readers), the greeting too.
    reply = langs["unpicked_reply"]
    assert _flat(kela.text("definition", "en")) in _flat(reply["text"])
    assert set(reply["langs"]) == {"en"} and reply["userLang"] == "en"
    after = langs["unpicked_after"]
    assert after["lang"] == "en" and after["send"] == "Send" and after["pressed"] == ["en"]

    # Swedish, picked: the widget's own texts, the greetings, every answer.
    sv = langs["sv"]
    assert sv["lang"] == "sv" and sv["pressed"] == ["sv"]
    assert (sv["title"], sv["send"], sv["restart"], sv["close"], sv["languages"]) == (
        "Fråga studentbottarna",
        "Skicka",
        "Börja om",
        "Stäng chatten",
        "Språk",
    )
    assert sv["placeholder"] == "Skriv din fråga…" and sv["launcher"].startswith("Fråga en bot")
    reply = langs["sv_reply"]
    assert _flat(kela.text("definition", "sv")) in _flat(reply["text"])
    assert set(reply["langs"]) == {"sv"} and reply["userLang"] == "sv"
    paavo = langs["sv_paavo"]
    assert paavo["greeting"].startswith("Paavo Palvelubotti: Hej, jag är Paavo!")
    assert paavo["greetingLang"] == "sv"
    reply = langs["sv_paavo_reply"]
    assert catalogue.services["tys_asunnot"].text("name", "sv") in reply["text"]
    assert set(reply["langs"]) == {"sv"}
    assert langs["sv_after_reload"]["lang"] == "sv"  # the pick is kept for the tab

    # English, picked: even a Finnish question is answered in English.
    en = langs["en"]
    assert en["title"] == "Ask the student bots" and en["pressed"] == ["en"]
    reply = langs["en_reply"]
    assert _flat(kela.text("definition", "en")) in _flat(reply["text"])
    assert set(reply["langs"]) == {"en"}
    for name in ("widget-swedish.png", "widget-english.png"):
        assert (ARTIFACTS / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_axe_finds_no_serious_or_critical_violations(browser_run):
    assert set(browser_run["axe"]) == {
        "closed",
        "open_tero",
        "open_paavo",
        "mobile",
        "mobile_paavo",
        "swedish",
    }
    for state, violations in browser_run["axe"].items():
        serious = [v for v in violations if v["impact"] in ("serious", "critical")]
        assert not serious, (state, serious)


def test_no_console_errors_or_csp_violations(browser_run):
    # The server restart makes Chromium log the failed websocket reconnects.
    errors = [m for m in browser_run["console"] if "WebSocket connection to" not in m]
    assert not errors, errors
