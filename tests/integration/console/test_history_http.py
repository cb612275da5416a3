"""The catalogue's history in the console over real HTTP: a real console
server, a browser-like client, real git, a copy of the catalogue.

An editor's inbox action is a change in the history with the account and
Finnish time; its page shows the rows added, escaped; a restore first shows
what it would change, then puts the tables back as a new change, audited; a
preview made before another change, and a version whose tables do not
validate, are not restored; an analyst gets 403 and a form without its CSRF
token is refused."""

from __future__ import annotations

import re
import shutil

import pytest

from studybots.catalogue import history
from studybots.console import web
from studybots.core.settings import PROJECT_ROOT
from studybots.review.inbox import item_key
from tests.integration.console.test_inbox_http import (
    INBOX,
    LOG,
    XSS,
    audit,
    fill_log,
    run,
    signed_in,
    visible,
)
from tests.support.console import PREFIX, add_account, console_settings, serving

HISTORY = PREFIX + "historia"
PHRASINGS = "terms/phrasings.csv"
NOW = re.compile(r'name="nykyinen" value="([0-9a-f]{40})"')


@pytest.fixture()
def settings(tmp_path):
    catalogue = tmp_path / "catalogue"
    shutil.copytree(PROJECT_ROOT / "catalogue", catalogue)
    s = console_settings(tmp_path, catalogue_dir=catalogue)
    add_account(s, "eeva", ["editor"])
    add_account(s, "anna", ["analyst"])
    fill_log(s.log_url, LOG)
    return s


async def map_to_soluasunto(browser, questions=("mikä on HOAS", XSS)) -> None:
    await browser.get(INBOX)
    keys = [item_key("tero", q) for q in questions]
    form = [("csrf", browser.csrf), ("ryhma", keys[0]), ("toiminto", "liita")]
    form += [("kysymys", k) for k in keys] + [("kohde", "soluasunto")]
    status, body, _ = await browser.post(INBOX, form)
    assert status == 200, visible(body)


def test_an_inbox_action_is_in_the_history_and_a_restore_puts_it_back(settings):
    catalogue, hist = settings.catalogue_dir, settings.history_dir
    original = (catalogue / PHRASINGS).read_bytes()

    async def scenario():
        async with serving(web.make_app(settings)) as base:
            browser = await signed_in(base)
            analyst = await signed_in(base, "anna")
            try:
                await map_to_soluasunto(browser)
                pages = {}
                status, pages["list"], response = await browser.get(HISTORY)
                assert status == 200
                assert "script-src" not in response.headers["Content-Security-Policy"]
                mapped, root = history.log(catalogue, hist)
                status, pages["change"], _ = await browser.get(f"{HISTORY}/{mapped.revision}")
                assert status == 200
                preview_path = f"{HISTORY}/{root.revision}/palauta"
                status, pages["preview"], _ = await browser.get(preview_path)
                assert status == 200
                now = NOW.search(pages["preview"]).group(1)
                # The analyst may not look, nor restore.
                assert (await analyst.get(HISTORY))[0] == 403
                form = {"csrf": analyst.csrf, "nykyinen": now}
                assert (await analyst.post(preview_path, form))[0] == 403
                # Without the CSRF token nothing is restored.
                status, pages["no_csrf"], _ = await browser.post(preview_path, {"nykyinen": now})
                assert status == 403
                assert (catalogue / PHRASINGS).read_bytes() != original
                form = {"csrf": browser.csrf, "nykyinen": now}
                status, _, response = await browser.post(preview_path, form)
                assert status == 303, status
                status, pages["restored"], _ = await browser.get(response.headers["Location"])
                assert status == 200
                return pages, mapped, root
            finally:
                await browser.close()
                await analyst.close()

    pages, mapped, root = run(scenario)
    # The list: the change, its account, its Finnish time, its files.
    listing = visible(pages["list"])
    assert f'href="{HISTORY}"' in pages["list"] and "Muutoshistoria" in listing
    assert mapped.account == "eeva" and mapped.local_time in listing
    assert "Saapuneet (toimitus): liitä tero -> soluasunto (2)" in listing
    assert "terms/phrasings.csv" in listing and "changes.csv" in listing
    assert "Historia alkaa" in listing
    # The change: the rows added, marked in words, a student's text escaped.
    change = pages["change"]
    assert '<tr class="added">' in change and "+ lisätty" in visible(change)
    assert "mikä on HOAS" in visible(change) and "<script>alert" not in change
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in change
    assert "<script" not in change.replace("&lt;script", "") and " style=" not in change
    # The preview says what the restore would remove, and asks with a form.
    preview = pages["preview"]
    assert '<tr class="removed">' in preview and "− poistettu" in visible(preview)
    assert "changes.csv säilyy ennallaan" in visible(preview)
    assert 'name="csrf"' in preview and f'action="{HISTORY}/{root.revision}/palauta"' in preview
    assert "Lomake ei ollut voimassa" in visible(pages["no_csrf"])
    # Restored: the table as it was, a new change by the editor, audited.
    assert "Luettelo palautettiin versioon" in visible(pages["restored"])
    assert (catalogue / PHRASINGS).read_bytes() == original
    restored = history.log(catalogue, hist)[0]
    assert restored.account == "eeva" and restored.files == (PHRASINGS,)
    assert restored.message.startswith(f"Palautettu versioon {root.short}")
    entries = audit(settings)
    assert ("eeva", "catalogue_restored", f"versio {root.short} -> uusi {restored.short}") in (
        entries
    )
    assert any(a == "anna" and action == "forbidden" for a, action, _ in entries)
    assert any(a == "eeva" and action == "csrf_refused" for a, action, _ in entries)
    mapped_audit = [d for _, action, d in entries if action == "inbox_mapped"]
    assert mapped_audit and mapped_audit[0].endswith(f"versio {mapped.short}")


def test_a_stale_preview_and_a_version_that_does_not_validate_are_not_restored(settings):
    catalogue, hist = settings.catalogue_dir, settings.history_dir
    terms = catalogue / "terms" / "terms.csv"
    good = terms.read_bytes()
    with history.changing(catalogue, hist) as recorder:
        terms.write_bytes(good.replace(b"\n", b"\nrikki_id,,,,,,,,,\n", 1))
        broken = recorder.record("eeva", "rikki")
    with history.changing(catalogue, hist) as recorder:
        terms.write_bytes(good)
        recorder.record("eeva", "korjattu")
    root = history.log(catalogue, hist)[-1]

    async def scenario():
        async with serving(web.make_app(settings)) as base:
            browser = await signed_in(base)
            try:
                found = {}
                path = f"{HISTORY}/{root.revision}/palauta"
                await map_to_soluasunto(browser, ("mikä on HOAS",))
                _, preview, _ = await browser.get(path)
                await map_to_soluasunto(browser, (XSS,))  # meanwhile, another editor
                form = {"csrf": browser.csrf, "nykyinen": NOW.search(preview).group(1)}
                found["stale"] = await browser.post(path, form)
                _, found["broken_preview"], _ = await browser.get(f"{HISTORY}/{broken}/palauta")
                form = {"csrf": browser.csrf, "nykyinen": history.head(catalogue, hist)}
                found["broken"] = await browser.post(f"{HISTORY}/{broken}/palauta", form)
                found["unknown"] = await browser.get(f"{HISTORY}/{'0' * 40}")
                return found
            finally:
                await browser.close()

    found = run(scenario)
    status, body, _ = found["stale"]
    assert status == 409 and "Luetteloa muutettiin sillä välin" in visible(body)
    kept = (catalogue / PHRASINGS).read_text(encoding="utf-8")
    assert "mikä on HOAS" in kept and "approt" in kept
    assert "make validate" in visible(found["broken_preview"])
    assert "terms/terms.csv, rivi 2" in visible(found["broken_preview"])
    assert 'name="nykyinen"' not in found["broken_preview"]  # no restore button
    status, body, _ = found["broken"]
    assert status == 400 and "Tätä versiota ei voi palauttaa" in visible(body)
    assert terms.read_bytes() == good
    assert history.log(catalogue, hist)[0].message.startswith("Saapuneet (toimitus)")
    assert any(action == "catalogue_restore_refused" for _, action, _ in audit(settings))
    assert not any(action == "catalogue_restored" for _, action, _ in audit(settings))
    assert found["unknown"][0] == 404


def test_without_a_history_the_page_says_so(settings, tmp_path):
    off = console_settings(tmp_path, catalogue_dir=settings.catalogue_dir, history_dir=None)

    async def scenario():
        async with serving(web.make_app(off)) as base:
            browser = await signed_in(base)
            try:
                return await browser.get(HISTORY)
            finally:
                await browser.close()

    status, body, _ = run(scenario)
    assert status == 503 and "Muutoshistoria ei ole käytössä" in visible(body)
