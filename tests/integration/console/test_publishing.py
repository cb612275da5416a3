"""Publishing from the console: a publisher presses a button, the real publish
command runs in its own process, and the page shows its stages in Finnish,
its lines, the quality gate's table and the history; roles, CSRF and the
audit log. The runs here end early (an invalid catalogue, no model to roll
back to), so no model is trained; tests/e2e/test_publish.py publishes a real
retrained model through the console into running bots."""

from __future__ import annotations

import asyncio
import csv
import os
import shutil

import pytest

from studybots.console import web
from studybots.core.settings import PROJECT_ROOT
from studybots.training import gate, publish
from tests.integration.console.test_console_http import audit_rows
from tests.support.console import PREFIX, Browser, add_account, console_settings, serving

PAGE = PREFIX + "julkaisu"


def run(scenario):
    return asyncio.run(asyncio.wait_for(scenario(), 120))


@pytest.fixture()
def setup(tmp_path):
    catalogue = tmp_path / "catalogue"
    shutil.copytree(PROJECT_ROOT / "catalogue", catalogue)
    var = tmp_path / "var"
    (var / "models").mkdir(parents=True)
    environ = dict(
        os.environ,
        STUDYBOTS_CATALOGUE_DIR=str(catalogue),
        STUDYBOTS_VAR_DIR=str(var),
        STUDYBOTS_PROJECT_DIR=str(tmp_path / "project"),
        STUDYBOTS_DATABASE_URL=f"sqlite:///{var / 'catalogue.db'}",
    )
    settings = console_settings(
        tmp_path,
        catalogue_dir=catalogue,
        models_dir=var / "models",
        publish_environ=environ,
    )
    add_account(settings, "pirkko", ["publisher"])
    add_account(settings, "eero", ["editor"])
    add_account(settings, "anna", ["analyst"])
    return settings


def break_a_term(catalogue) -> None:
    """An editor's mistake: a term whose area is not a known code."""
    path = catalogue / "terms" / "terms.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[0]["area"] = "sosiaaliset suhteet"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_a_failed_publish_shows_its_stage_and_the_editors_error(setup):
    break_a_term(setup.catalogue_dir)
    app = web.make_app(setup)

    async def scenario():
        async with serving(app) as base:
            browser = Browser(base)
            try:
                assert await browser.login("pirkko") == 303
                status, body, _ = await browser.get(PAGE)
                assert status == 200 and "Julkaise muutokset" in body
                assert "Tästä toimituksesta ei ole vielä julkaistu mitään" in body
                assert "Palauta edellinen malli" in body  # a publisher may roll back
                status, _, response = await browser.post(
                    PAGE, {"csrf": browser.csrf, "action": "publish"}
                )
                assert status == 303 and response.headers["Location"] == PAGE
                # While it runs, the page reloads itself and the button is off.
                status, body, _ = await browser.get(PAGE)
                if "Julkaisu on käynnissä" in body:
                    assert '<meta http-equiv="refresh" content="3">' in body
                    assert "disabled" in body
                await app[web.PUBLISHER].wait()
                status, body, _ = await browser.get(PAGE)
                assert "Julkaisu ei onnistunut (aloitti pirkko" in body
                assert "Luettelon tarkistus: <strong>ei onnistunut</strong>" in body
                assert "sosiaaliset suhteet" in body  # the catalogue's own message
                assert "terms.csv" in body
                assert 'http-equiv="refresh"' not in body
                assert "Traceback" not in body
            finally:
                await browser.close()

    run(scenario)
    actions = [(r["action"], r["account"], r["detail"]) for r in audit_rows(setup)]
    assert ("publish_started", "pirkko", "publish") in actions
    assert ("publish_finished", "pirkko", "publish: exit 1") in actions


def test_a_second_publish_waits_for_the_first(setup):
    break_a_term(setup.catalogue_dir)
    app = web.make_app(setup)

    async def scenario():
        async with serving(app) as base:
            browser = Browser(base)
            try:
                await browser.login("pirkko")
                await browser.get(PAGE)
                first, _, _ = await browser.post(PAGE, {"csrf": browser.csrf, "action": "publish"})
                second, body, _ = await browser.post(
                    PAGE, {"csrf": browser.csrf, "action": "publish"}
                )
                assert first == 303
                assert second == 409 and "Julkaisu on jo käynnissä" in body
                await app[web.PUBLISHER].wait()
            finally:
                await browser.close()

    run(scenario)


def test_rollback_without_a_previous_model_says_so(setup):
    app = web.make_app(setup)

    async def scenario():
        async with serving(app) as base:
            browser = Browser(base)
            try:
                await browser.login("pirkko")
                await browser.get(PAGE)
                status, _, _ = await browser.post(PAGE + "/palauta", {"csrf": browser.csrf})
                assert status == 303
                await app[web.PUBLISHER].wait()
                _, body, _ = await browser.get(PAGE)
                assert "Edellisen mallin palautus: <strong>ei onnistunut</strong>" in body
                assert "previous" in body  # the command's reason: no model to go back to
            finally:
                await browser.close()

    run(scenario)
    details = [r["detail"] for r in audit_rows(setup) if r["action"] == "publish_started"]
    assert details == ["rollback"]


def test_only_a_publisher_publishes(setup):
    async def scenario():
        async with serving(web.make_app(setup)) as base:
            for name in ("eero", "anna"):
                browser = Browser(base)
                try:
                    await browser.login(name)
                    status, _, _ = await browser.get(PAGE)
                    assert status == 403, name
                    _, body, _ = await browser.get(PREFIX)
                    assert 'href="/toimitus/julkaisu"' not in body  # not in the menu either
                    for path, data in ((PAGE, {"action": "publish"}), (PAGE + "/palauta", {})):
                        status, _, _ = await browser.post(path, {"csrf": browser.csrf, **data})
                        assert status == 403, (name, path)
                finally:
                    await browser.close()
            browser = Browser(base)
            try:
                await browser.login("pirkko")
                await browser.get(PAGE)
                # Without the form's CSRF token, or with an unknown action: refused.
                status, _, _ = await browser.post(PAGE, {"action": "publish"})
                assert status == 403
                status, _, _ = await browser.post(PAGE, {"csrf": browser.csrf, "action": "rm"})
                assert status == 400
            finally:
                await browser.close()

    run(scenario)
    assert "publish_started" not in [r["action"] for r in audit_rows(setup)]


def test_the_gate_table_and_the_history(setup, monkeypatch):
    models = setup.models_dir
    monkeypatch.setenv("STUDYBOTS_CATALOGUE_DIR", str(setup.catalogue_dir))
    refused = gate.compare(
        "tero",
        {"tero_top1": 0.93, "oos_rejection_tero": 0.95, "crisis_recall_tero": 0.99},
        {"tero_top1": 0.90, "oos_rejection_tero": 0.95, "crisis_recall_tero": 0.97},
        resolved_count=3,
    )
    publish.write_verdict(models, refused, "refused")
    model = models / "tero.tar.gz"
    model.write_bytes(b"not really a model")
    publish.record(models, "tero", model, "published", {})
    publish.record(models, "tero", model, "rollback", {})

    async def scenario():
        async with serving(web.make_app(setup)) as base:
            browser = Browser(base)
            try:
                await browser.login("pirkko")
                _, body, _ = await browser.get(PAGE)
            finally:
                await browser.close()
        return body

    body = run(scenario)
    assert "Tero, " in body and ": hylätty (3 ratkaistua kysymystä mukana)" in body
    assert '<th scope="row">kehitysjoukko: oikea termi</th><td>93,0 %</td><td>90,0 %</td>' in body
    assert "<td>heikompi</td>" in body
    assert "alle rajan 98,0 %" in body  # crisis recall under its floor
    assert "<td>kunnossa</td>" in body  # off-topic rejection held
    history = body.split("Julkaisuhistoria", 1)[1]
    assert history.index("palautettu") < history.index("julkaistu")  # newest first
