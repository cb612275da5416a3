"""The editors' loop end to end, and publishing a model into running bots.

A student asks Tero about something the catalogue does not have; the question
reaches the review inbox. Then, in headless Chromium (tests/browser/console_loop.mjs),
an editor signs in to the editors' console, finds the question in the inbox and
adds a term from it with the new-term form; a publisher signs in and presses
Publish, which runs `studybots.training.publish` (retrain, evaluate, publish);
the page follows it to the end. The bots, never restarted, then answer the
question and a paraphrase of it. While the new model is published and swapped
in, clients keep sending messages: none may fail. The console is the one
`make run` serves (the demo page's server, /toimitus/).

The stack here is separate from the session stack: it has its own copy of the
project's configuration, catalogue and models, so publishing changes nothing
in the repository. The second test uses the operators' commands (a candidate,
--force, --rollback).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from studybots.core.settings import PROJECT_ROOT
from studybots.training.model_files import content_digest, model_path
from tests.support.chat import Load, health, run_tool, say, texts, wait_for
from tests.support.console import PASSWORD, add_account, console_settings
from tests.support.sheets import read_sheet

UNKNOWN = "mikä on varha"
PARAPHRASE = "mitä tarkoittaa Varha?"
# The new-term form's fields as the editor fills them (lists one per line).
VARHA = {
    "target": "varha",
    "term": "Varha – Varsinais-Suomen hyvinvointialue",
    "area": "terveys",
    "dimension": "2",
    "phase": "asettuminen",
    "definition": "Varsinais-Suomen hyvinvointialue eli Varha järjestää Varsinais-Suomessa "
    "sosiaali- ja terveyspalvelut sekä pelastustoimen.",
    "source_url": "https://www.varha.fi/",
    "phrasings": "mitä varha tekee\nvarsinais-suomen hyvinvointialue\nmikä on hyvinvointialue\n"
    "kuka järjestää sote-palvelut varsinais-suomessa\nvarhan palvelut\n"
    "varhan sosiaalipalvelut\nmihin varha kuuluu\nmikä on varsinais-suomen "
    "hyvinvointialue",
    # Swedish and English are switched on: the editor writes the term in them too.
    "term_sv": "Välfärdsområdet Egentliga Finland (Varha)",
    "definition_sv": "Välfärdsområdet Egentliga Finland, Varha, ordnar social- och hälsovården "
    "samt räddningsväsendet i Egentliga Finland.",
    "phrasings_sv": "vad är varha\nvad gör varha\nvälfärdsområdet egentliga finland\nvad är ett "
    "välfärdsområde\nvem ordnar social- och hälsovården i egentliga finland\nvarhas tjänster\n"
    "varhas socialtjänster\nvad betyder varha",
    "term_en": "Varha – Wellbeing Services County of Southwest Finland",
    "definition_en": "Varha, the Wellbeing Services County of Southwest Finland, organises social "
    "and health services and rescue services in Southwest Finland.",
    "phrasings_en": "what is varha\nwhat does varha do\nwellbeing services county of southwest "
    "finland\nwhat is a wellbeing services county\nwho organises health services in southwest "
    "finland\nvarha services\nvarha social services\nwhat does varha mean",
}
SCRIPT = PROJECT_ROOT / "tests" / "browser" / "console_loop.mjs"
ARTIFACTS = PROJECT_ROOT / "results" / "console"
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def loop_stack(tmp_path_factory, models_dir):
    from studybots.ops import supervisor
    from tests.support import workspace

    ws = workspace.create(tmp_path_factory.mktemp("publish"), models_dir)
    logs = ws.root / "logs"
    logs.mkdir()
    specs = supervisor.server_specs(
        ws.settings, models_dir=ws.settings.models_dir, with_web=True, log_dir=logs
    )
    # The console's accounts, in its tables in the workspace's log database.
    console = console_settings(ws.root, database_url=ws.settings.log_url)
    add_account(console, "eeva", ["editor"])
    add_account(console, "pirkko", ["publisher"])
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


def export_inbox(env: dict[str, str], sheet: Path, question: str) -> bool:
    """The editor exports the inbox; True when `question` is in it."""
    assert run_tool(env, "studybots.review", "--csv", str(sheet)).returncode == 0
    return any(r["question"] == question for r in read_sheet(sheet)[1])


def console_loop(settings) -> dict:
    """The editor and the publisher in Chromium (console_loop.mjs); its RESULT."""
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium")
    assert chromium and shutil.which("node"), "make install installs chromium and node"
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    env = dict(
        os.environ,
        CONSOLE_URL=f"http://localhost:{settings.web_port}",
        EDITOR="eeva",
        PUBLISHER="pirkko",
        PASSWORD=PASSWORD,
        QUESTION=UNKNOWN,
        TERM_FIELDS=json.dumps(VARHA),
        CHROMIUM=chromium,
        ARTIFACTS=str(ARTIFACTS),
        AXE=str(AXE),
    )
    done = subprocess.run(
        ["node", str(SCRIPT)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(lines[-1][len("RESULT ") :])


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

    # 3. In the console: the editor adds the term from the inbox, the publisher
    #    publishes; students keep asking meanwhile.
    with Load(port) as load:
        result = console_loop(settings)
        print(json.dumps(result, ensure_ascii=False, indent=1))
        checks = result["checks"]
        assert checks["question_in_inbox"], checks
        assert "Julkaisu" not in checks["editor_menu"]  # an editor does not publish
        assert "Saapuneet" not in checks["publisher_menu"]  # a publisher has no inbox
        assert checks["bad_id_named"] and "Varha Juttu" in checks["bad_id_message"], checks
        assert checks["kept_term"] == VARHA["term"]  # the form kept what was typed
        assert checks["term_added"], checks
        assert checks["publish_status"].startswith("Julkaisu valmis (aloitti pirkko"), checks
        last = " | ".join(result["stages"][-1])
        for stage in ("Koulutus: Tero", "Laaduntarkistus: Tero", "Käyttöönotto: Tero"):
            assert f"{stage}: valmis" in last, last
        assert "Paavo: koulutusaineisto ei muuttunut" in last  # nothing to train for Paavo
        assert any("Koulutus: Tero: käynnissä" in " ".join(s) for s in result["stages"])
        assert "ratkaistut kysymykset" in checks["gate"]  # the gate used the resolved question
        assert "(ruotsi)" in checks["gate"]  # ... and each language's dev set
        assert "heikompi" not in checks["gate"]
        serious = {
            page: [v for v in found if v["impact"] in ("serious", "critical")]
            for page, found in result["axe"].items()
        }
        assert not any(serious.values()), serious
        # The browser's console: nothing but the favicon no page has and the form's
        # own answer to the wrong id (its status is 400).
        unexpected = [
            m for m in result["console"] if not m.endswith(("/favicon.ico", "/uusi-termi"))
        ]
        assert unexpected == [], result["console"]
        new_digest = content_digest(model_path("tero", settings.models_dir))[:12]
        assert new_digest != model_before
        # Every worker switches over: ten health checks in a row report the new model.
        swapped = wait_for(lambda: all(health(port)["model"] == new_digest for _ in range(10)), 60)
        time.sleep(2)  # a little more traffic on the new model
    assert swapped, "the running bot did not switch to the published model"
    assert load.sent >= 30, f"only {load.sent} messages were sent during the swap"
    assert load.failures == [], load.failures[:5]

    # 4. The same question and a paraphrase are answered, by every worker.
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
