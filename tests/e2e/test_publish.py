"""The editors' loop end to end, and publishing a model into running bots.

A student asks Tero about something the catalogue does not have; the question
reaches the review inbox; an editor adds the term in the inbox sheet and
imports it; a publisher presses Publish in the editors' console, which runs
`studybots.training.publish` (retrain, evaluate, publish); the bots,
never restarted, then answer the question and a paraphrase of it. While the
new model is published and swapped in, clients keep sending messages: none
may fail. Every step uses the command an editor or operator would run.

The stack here is separate from the session stack: it has its own copy of the
project's configuration, catalogue and models, so publishing changes nothing
in the repository.
"""

from __future__ import annotations

import asyncio
import csv
import subprocess
import time
from pathlib import Path

import pytest

from studybots.training.model_files import content_digest, model_path
from tests.support.chat import Load, health, run_tool, say, texts, wait_for
from tests.support.sheets import fill_sheet, read_sheet

UNKNOWN = "mikä on varha"
PARAPHRASE = "mitä tarkoittaa Varha?"
VARHA = {
    "action": "new",
    "target": "varha",
    "editor": "Testi Toimittaja",
    "term": "Varha – Varsinais-Suomen hyvinvointialue",
    "area": "terveys",
    "dimension": "2",
    "phase": "asettuminen",
    "definition": "Varsinais-Suomen hyvinvointialue eli Varha järjestää Varsinais-Suomessa "
    "sosiaali- ja terveyspalvelut sekä pelastustoimen.",
    "source_url": "https://www.varha.fi/",
    "phrasings": "mitä varha tekee;varsinais-suomen hyvinvointialue;mikä on hyvinvointialue;"
    "kuka järjestää sote-palvelut varsinais-suomessa;varhan palvelut;"
    "varhan sosiaalipalvelut;mihin varha kuuluu;mikä on varsinais-suomen "
    "hyvinvointialue",
    # Swedish and English are switched on: the editor writes the term in them too.
    "term_sv": "Välfärdsområdet Egentliga Finland (Varha)",
    "definition_sv": "Välfärdsområdet Egentliga Finland, Varha, ordnar social- och hälsovården "
    "samt räddningsväsendet i Egentliga Finland.",
    "phrasings_sv": "vad är varha;vad gör varha;välfärdsområdet egentliga finland;vad är ett "
    "välfärdsområde;vem ordnar social- och hälsovården i egentliga finland;varhas tjänster;"
    "varhas socialtjänster;vad betyder varha",
    "term_en": "Varha – Wellbeing Services County of Southwest Finland",
    "definition_en": "Varha, the Wellbeing Services County of Southwest Finland, organises social "
    "and health services and rescue services in Southwest Finland.",
    "phrasings_en": "what is varha;what does varha do;wellbeing services county of southwest "
    "finland;what is a wellbeing services county;who organises health services in southwest "
    "finland;varha services;varha social services;what does varha mean",
}


@pytest.fixture(scope="module")
def loop_stack(tmp_path_factory, models_dir):
    from studybots.ops import supervisor
    from tests.support import workspace

    ws = workspace.create(tmp_path_factory.mktemp("publish"), models_dir)
    logs = ws.root / "logs"
    logs.mkdir()
    specs = supervisor.server_specs(
        ws.settings, models_dir=ws.settings.models_dir, with_web=False, log_dir=logs
    )
    supervisor.start(specs)
    try:
        yield {
            "settings": ws.settings,
            "env": ws.env,
            "root": ws.root,
            "servers": {s.name: s for s in specs},
            "original": models_dir / "tero.tar.gz",
        }
    finally:
        supervisor.stop(specs)


def publish_from_console(loop_stack) -> str:
    """A publisher signs in to the console, presses Publish and follows the
    page (it reloads itself every few seconds) until the publish has ended;
    returns the last page."""
    from studybots.console import web
    from tests.support.console import Browser, add_account, console_settings, serving

    settings = loop_stack["settings"]
    console = console_settings(
        loop_stack["root"],
        catalogue_dir=settings.catalogue_dir,
        log_url=settings.log_url,
        models_dir=settings.models_dir,
        publish_environ=loop_stack["env"],
    )
    add_account(console, "pirkko", ["publisher"])
    page = "/toimitus/julkaisu"

    async def scenario() -> str:
        async with serving(web.make_app(console)) as base:
            browser = Browser(base)
            try:
                assert await browser.login("pirkko") == 303
                await browser.get(page)
                status, _, _ = await browser.post(page, {"csrf": browser.csrf, "action": "publish"})
                assert status == 303
                while True:
                    _, body, _ = await browser.get(page)
                    if "Julkaisu on käynnissä" not in body:
                        return body
                    await asyncio.sleep(3)
            finally:
                await browser.close()

    return asyncio.run(asyncio.wait_for(scenario(), 900))


def export_inbox(env: dict[str, str], sheet: Path, question: str) -> bool:
    """The editor exports the inbox; True when `question` is in it."""
    assert run_tool(env, "studybots.review", "--csv", str(sheet)).returncode == 0
    return any(r["question"] == question for r in read_sheet(sheet)[1])


def fill_and_import(
    env: dict[str, str], sheet: Path, question: str, values: dict[str, str]
) -> subprocess.CompletedProcess:
    """The editor fills the row of `question` in the sheet, saves it as a
    Finnish Excel does and imports it."""
    fill_sheet(sheet, {question: values})
    return run_tool(env, "studybots.review", "--import", str(sheet))


def test_editor_loop_publishes_into_running_bot_without_failed_requests(loop_stack):
    settings, env = loop_stack["settings"], loop_stack["env"]
    tero = loop_stack["servers"]["tero"]
    port = settings.tero_port
    pid_before = tero.process.pid
    model_before = health(port)["model"]

    # 1. A student asks about something the catalogue lacks: no definition of Varha.
    reply = texts(say(port, "student-varha", UNKNOWN))
    assert "sosiaali- ja terveyspalvelut" not in reply

    # 2. It reaches the review inbox (the log is written in the background).
    sheet = loop_stack["root"] / "inbox.csv"
    assert wait_for(lambda: export_inbox(env, sheet, UNKNOWN), 20), (
        "the unknown question never reached the inbox"
    )

    # 3. The editor adds the term in the sheet and imports it.
    imported = fill_and_import(env, sheet, UNKNOWN, VARHA)
    assert imported.returncode == 0, imported.stderr
    assert "+varha," in imported.stdout  # the diff shows the new term row

    # 4. A publisher presses Publish in the console while students keep asking.
    with Load(port) as load:
        page = publish_from_console(loop_stack)
        assert "Julkaisu valmis (aloitti pirkko" in page, page[-3000:]
        for stage in ("Koulutus: Tero", "Laaduntarkistus: Tero", "Käyttöönotto: Tero"):
            assert f"{stage}: <strong>valmis</strong>" in page, stage
        assert "Paavo: koulutusaineisto ei muuttunut" in page  # nothing to train for Paavo
        gate = page.split('<table class="gate">', 1)[1].split("</table>", 1)[0]
        assert "ratkaistut kysymykset" in gate  # the gate used the resolved question
        assert "(ruotsi)" in gate  # ... and each language's dev set
        assert "heikompi" not in gate
        # Plain stages and figures, no library warnings or logs (issues 11 and 14).
        log = page.split('<pre class="log"', 1)[1].split("</pre>", 1)[0]
        assert "Warning" not in log and "INFO" not in log and "Traceback" not in log, log
        new_digest = content_digest(model_path("tero", settings.models_dir))[:12]
        assert new_digest != model_before
        # Every worker switches over: ten health checks in a row report the new model.
        swapped = wait_for(lambda: all(health(port)["model"] == new_digest for _ in range(10)), 60)
        time.sleep(2)  # a little more traffic on the new model
    assert swapped, "the running bot did not switch to the published model"
    assert load.sent >= 30, f"only {load.sent} messages were sent during the swap"
    assert load.failures == [], load.failures[:5]

    # 5. The same question and a paraphrase are answered, by every worker.
    for n in range(4):
        for question in (UNKNOWN, PARAPHRASE):
            answer = texts(say(port, f"after-{n}-{question}", question))
            assert "sosiaali- ja terveyspalvelut" in answer, (question, answer)
    assert tero.process.pid == pid_before and tero.process.poll() is None  # never restarted


def test_quality_gate_refuses_a_worse_model_until_forced_and_rollback_restores(loop_stack):
    settings, env = loop_stack["settings"], loop_stack["env"]
    live = model_path("tero", settings.models_dir)
    published = content_digest(live)
    # The model from before the editor's change does not know Varha, a resolved question.
    refused = run_tool(
        env, "studybots.training.publish", "tero", "--candidate", str(loop_stack["original"])
    )
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "EI JULKAISTU" in refused.stderr and "HEIKOMPI" in refused.stdout
    assert content_digest(live) == published

    forced = run_tool(
        env,
        "studybots.training.publish",
        "tero",
        "--candidate",
        str(loop_stack["original"]),
        "--force",
    )
    assert forced.returncode == 0, forced.stdout + forced.stderr
    # Same models, same dev sets and resolved questions: the figures are remembered.
    assert forced.stdout.count("luvut muistista") == 2, forced.stdout
    assert content_digest(live) == content_digest(loop_stack["original"])

    rolled = run_tool(env, "studybots.training.publish", "tero", "--rollback")
    assert rolled.returncode == 0, rolled.stderr
    assert content_digest(live) == published
    with (settings.models_dir / "history.csv").open(encoding="utf-8") as fh:
        actions = [r["action"] for r in csv.DictReader(fh)]
    assert actions == ["published", "refused", "forced", "rollback"]
