"""Retrain and publish: bring the editors' catalogue changes into the running bots.

    make publish                 # the bots whose training data changed
    make retrain                 # every bot, from scratch (training cache cleared)

1. Check the catalogue; regenerate the NLU data; rebuild the service database
   (definitions and service texts are live from here on, without training).
2. Train each bot whose training data changed into var/models/staging/.
3. Evaluate the new model and the running one on the dev set and on every
   question editors marked resolved (`studybots.training.gate`). If the new one
   is worse by more than 2 points on any figure, it is not published
   (`--force` publishes anyway).
4. Replace the published model. The running bots load it from the model
   server within MODEL_PULL_SECONDS and switch over without a restart and
   without a failed request. The replaced model stays in var/models/previous/
   (`--rollback BOT` puts it back).

Exit status: 0 published or nothing to do, 2 refused by the quality gate,
1 an error (invalid catalogue, training failed).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import fcntl
import json
import logging
import shutil
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from studybots.build import nlu
from studybots.build.servicedb import build_database
from studybots.catalogue.load import load_or_report
from studybots.core import console, secret_files
from studybots.core.names import BOTS
from studybots.core.settings import Settings, load_settings
from studybots.training.gate import FLOORS, Verdict, check, measure_live
from studybots.training.model_files import (
    content_digest,
    install,
    model_path,
    rollback,
    staging_dir,
    write_atomic,
)
from studybots.training.train import clear_training_cache, fingerprint, is_up_to_date, train

HISTORY_COLUMNS = ["time", "bot", "model", "action", "figures"]

REFUSED, FAILED, OK = 2, 1, 0


@contextmanager
def publishing_lock(models_dir: Path) -> Iterator[None]:
    """One publish at a time (a second one waits)."""
    models_dir.mkdir(parents=True, exist_ok=True)
    with (models_dir / ".publish.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def record(models_dir: Path, bot: str, model: Path, action: str, figures: dict[str, float]) -> None:
    path = models_dir / "history.csv"
    new = not path.exists()
    with path.open("a", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=HISTORY_COLUMNS, lineterminator="\n")
        if new:
            writer.writeheader()
        writer.writerow(
            {
                "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "bot": bot,
                "model": content_digest(model)[:12] if model.exists() else "",
                "action": action,
                "figures": " ".join(f"{k}={v:.3f}" for k, v in figures.items()),
            }
        )


VERDICTS = "last-verdicts.json"


def write_verdict(models_dir: Path, verdict: Verdict, action: str) -> None:
    """Each bot's latest gate verdict, for the console's publishing page:
    models_dir/last-verdicts.json, {bot: {time, action, resolved, rows}}."""
    path = models_dir / VERDICTS
    try:
        verdicts = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        verdicts = {}
    if not isinstance(verdicts, dict):
        verdicts = {}
    verdicts[verdict.bot] = {
        "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "action": action,
        "resolved": verdict.resolved_count,
        "rows": verdict.rows(),
    }
    write_atomic(path, json.dumps(verdicts, ensure_ascii=False, indent=1))


def prepare(settings: Settings) -> bool:
    """Validate, regenerate the NLU data and rebuild the service database."""
    catalogue = load_or_report(settings.catalogue_dir, "Publishing")
    if catalogue is None:
        return False
    changed = nlu.write(nlu.render(catalogue), settings.project_dir)
    count = build_database(catalogue, settings.database_url)
    print(
        f"Luettelo kunnossa: {len(catalogue.terms)} termiä, {len(catalogue.needs)} tarvetta, "
        f"{count} palvelua; {len(changed)} koulutustiedostoa muuttui."
    )
    return True


def gate_and_install(
    bot: str,
    candidate_dir: Path,
    settings: Settings,
    force: bool,
    measured_live: Future | None = None,
) -> int:
    models_dir = settings.models_dir
    live = model_path(bot, models_dir)
    candidate = model_path(bot, candidate_dir)
    started = time.monotonic()
    print(f"{bot}: arvioidaan uutta mallia kehitysaineistoilla ...", flush=True)
    verdict = check(
        bot,
        live if live.exists() else None,
        candidate,
        settings.database_url,
        settings.log_url,
        measured_live.result() if measured_live else None,
    )
    print(verdict.table())
    print(f"  (arviointi {time.monotonic() - started:.0f} s)")
    if verdict.below_floor:
        floors = ", ".join(
            f"{k} {verdict.new[k]:.1%} < {FLOORS[k]:.0%}" for k in verdict.below_floor
        )
        print(
            f"{bot}: UUTTA MALLIA EI JULKAISTU: turvallisuustarkistus ohjaa liian harvan "
            f"kriisiviestin avun luo ({floors}). Tätä ei voi ohittaa (--force ei auta): "
            f"tarkista catalogue/safety/. Ehdokas jäi tiedostoon {candidate}.",
            file=sys.stderr,
        )
        record(models_dir, bot, candidate, "refused", verdict.new)
        write_verdict(models_dir, verdict, "refused_floor")
        return REFUSED
    if not verdict.passed and not force:
        print(
            f"{bot}: UUTTA MALLIA EI JULKAISTU: se on yli 2 prosenttiyksikköä heikompi kuin "
            f"nykyinen. Tarkista viimeisimmät muutokset (catalogue/changes.csv). Ehdokas jäi "
            f"tiedostoon {candidate}; julkaise se silti: --force.",
            file=sys.stderr,
        )
        record(models_dir, bot, candidate, "refused", verdict.new)
        write_verdict(models_dir, verdict, "refused")
        return REFUSED
    install(bot, candidate_dir, models_dir)
    action = "forced" if not verdict.passed else "published"
    record(models_dir, bot, live, action, verdict.new)
    write_verdict(models_dir, verdict, action)
    print(
        f"{bot}: julkaistu ({content_digest(live)[:12]}). Käynnissä oleva botti ottaa "
        f"mallin käyttöön {settings.model_pull_seconds} sekunnin kuluessa ilman uudelleenkäynnistystä."
    )
    return OK


def publish(bots: list[str], force: bool = False, from_scratch: bool = False) -> int:
    settings = load_settings()
    logging.disable(logging.WARNING)
    with publishing_lock(settings.models_dir):
        if not prepare(settings):
            return FAILED
        if from_scratch:
            clear_training_cache()
        status = OK
        for bot in bots:
            if not from_scratch and is_up_to_date(bot, settings.models_dir):
                print(
                    f"{bot}: koulutusaineisto ei muuttunut; ei koulutettavaa "
                    f"(määritelmämuutokset ovat jo voimassa)."
                )
                continue
            staging = staging_dir(settings.models_dir)
            print(f"{bot}: koulutetaan ({fingerprint(bot)[:12]}) ...", flush=True)
            started = time.monotonic()
            # Training runs in its own process on one core; the running model
            # is evaluated meanwhile on the other.
            live = model_path(bot, settings.models_dir)
            with ThreadPoolExecutor(max_workers=1) as pool:
                measured_live = pool.submit(
                    measure_live, bot, live, settings.database_url, settings.log_url
                )
                try:
                    train(bot, staging)
                except Exception as exc:  # CalledProcessError, OSError: the bot keeps its model
                    print(
                        f"{bot}: koulutus epäonnistui ({exc}); käytössä oleva malli jatkaa.",
                        file=sys.stderr,
                    )
                    return FAILED
                print(f"{bot}: koulutettu {time.monotonic() - started:.0f} s:ssa")
                status = max(status, gate_and_install(bot, staging, settings, force, measured_live))
        return status


def publish_candidate(bot: str, archive: Path, force: bool) -> int:
    """Publish a model trained elsewhere, through the same quality gate."""
    settings = load_settings()
    logging.disable(logging.WARNING)
    if not archive.is_file():
        print(f"{archive}: no such model archive", file=sys.stderr)
        return FAILED
    with publishing_lock(settings.models_dir):
        staging = staging_dir(settings.models_dir)
        staging.mkdir(parents=True, exist_ok=True)
        shutil.copy2(archive, model_path(bot, staging))
        (staging / f"{bot}.sha256").write_text("candidate:" + content_digest(archive) + "\n")
        return gate_and_install(bot, staging, settings, force)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bots", nargs="*", help="tero and/or paavo (default: both)")
    parser.add_argument(
        "--force",
        action="store_true",
        help="publish even if the new model is worse than the running one",
    )
    parser.add_argument(
        "--from-scratch",
        action="store_true",
        help="clear the training cache and retrain every bot given",
    )
    parser.add_argument(
        "--candidate", type=Path, help="publish this already trained model archive (one bot)"
    )
    parser.add_argument(
        "--rollback",
        action="store_true",
        help="put back the model each bot ran before the last publish",
    )
    args = parser.parse_args(argv)
    secret_files.export()  # the Job's Secret, mounted as files (deploy/kubernetes)
    console.quiet_warnings()
    unknown = set(args.bots) - set(BOTS)
    if unknown:
        parser.error(f"unknown bot(s): {sorted(unknown)}; choose from {BOTS}")
    bots = args.bots or list(BOTS)
    if args.rollback:
        settings = load_settings()
        with publishing_lock(settings.models_dir):
            for bot in bots:
                try:
                    path = rollback(bot, settings.models_dir)
                except FileNotFoundError as exc:
                    print(str(exc), file=sys.stderr)
                    return FAILED
                record(settings.models_dir, bot, path, "rollback", {})
                print(f"{bot}: edellinen malli palautettu ({content_digest(path)[:12]})")
        return OK
    if args.candidate:
        if len(bots) != 1:
            parser.error("--candidate needs exactly one bot")
        return publish_candidate(bots[0], args.candidate, args.force)
    return publish(bots, force=args.force, from_scratch=args.from_scratch)


if __name__ == "__main__":
    sys.exit(main())
