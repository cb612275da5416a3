"""The publishing page's stages, read off the lines `studybots.training.publish` prints."""

from __future__ import annotations

import datetime as dt

from studybots.console.publishing import Job, stages

NOW = dt.datetime(2026, 12, 4, 18, 0, tzinfo=dt.timezone.utc)
CHECKED = "Luettelo kunnossa: 61 termiä, 40 tarvetta, 1212 palvelua; 1 koulutustiedostoa muuttui."


def job(lines: list[str], returncode: int | None, action: str = "publish") -> Job:
    return Job(action, "pirkko", NOW, lines, returncode)


def seen(j: Job) -> list[tuple[str, str, str]]:
    return [(s.key, s.bot, s.state) for s in stages(j)]


def test_a_running_publish_is_at_its_first_stage_until_the_catalogue_is_checked():
    assert seen(job([], None)) == [("check", "", "running")]
    assert seen(job(["terms.csv, rivi 2, sarake area: tuntematon koodi"], 1)) == [
        ("check", "", "failed")
    ]


def test_a_whole_publish_of_one_bot_with_the_other_unchanged():
    lines = [
        CHECKED,
        "tero: koulutetaan (0123456789ab) ...",
        "tero: koulutettu 41 s:ssa",
        "tero: arvioidaan uutta mallia kehitysaineistoilla ...",
        "tero: 1 ratkaistua kysymystä mukana arvioinnissa",
        "tero: julkaistu (ba9876543210). Käynnissä oleva botti ottaa mallin käyttöön 1 sekunnin kuluessa ilman uudelleenkäynnistystä.",
        "paavo: koulutusaineisto ei muuttunut; ei koulutettavaa (määritelmämuutokset ovat jo voimassa).",
    ]
    assert seen(job(lines[:2], None)) == [("check", "", "done"), ("train", "tero", "running")]
    assert seen(job(lines[:4], None))[-1] == ("gate", "tero", "running")
    assert seen(job(lines, 0)) == [
        ("check", "", "done"),
        ("train", "tero", "done"),
        ("gate", "tero", "done"),
        ("install", "tero", "done"),
        ("unchanged", "paavo", "skipped"),
    ]


def test_a_refusal_and_a_refusal_that_no_force_overrides():
    lines = [
        CHECKED,
        "tero: koulutetaan (0123456789ab) ...",
        "tero: koulutettu 41 s:ssa",
        "tero: arvioidaan uutta mallia kehitysaineistoilla ...",
        "tero: UUTTA MALLIA EI JULKAISTU: se on yli 2 prosenttiyksikköä heikompi kuin nykyinen.",
    ]
    refused = job(lines, 2)
    assert seen(refused)[-1] == ("gate", "tero", "failed")
    assert refused.refused and not refused.floor_refused
    floor = job(
        lines[:-1] + ["tero: UUTTA MALLIA EI JULKAISTU: ... Tätä ei voi ohittaa (--force ei auta)"],
        2,
    )
    assert floor.floor_refused


def test_a_failed_training_and_a_rollback():
    failed = job(
        [
            CHECKED,
            "tero: koulutetaan (x) ...",
            "tero: koulutus epäonnistui (exit 1); käytössä oleva malli jatkaa.",
        ],
        1,
    )
    assert seen(failed)[-1] == ("train", "tero", "failed")
    rolled = job(["tero: edellinen malli palautettu (0123456789ab)"], 0, "rollback")
    assert seen(rolled) == [("rollback", "tero", "done")]
    assert seen(job(["no previous model"], 1, "rollback")) == [("rollback_all", "", "failed")]
