"""Train the bots whose inputs changed since their last model.

A model's inputs are the shared config, the bot's domain, rules and NLU data
(generated from the catalogue), the safety tables the safety check and the
near-miss classifier train on, and the project's NLU components. Their
SHA-256 is stored next to the model; `make run` retrains only on a mismatch.
`--force` retrains even when nothing changed. Publishing a model into running
bots, with an evaluation gate, is `studybots.training.publish` (`make publish`).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from studybots.core.names import BOTS
from studybots.core.settings import PROJECT_ROOT, load_settings, rasa_env
from studybots.training.model_files import install, model_path, read_stamp, staging_dir


def training_inputs(bot: str, root: Path | None = None) -> dict[str, list[Path]]:
    root = root or load_settings().project_dir
    return {
        "config": [root / "config.yml"],
        "domain": [root / "bots" / bot / "domain"],
        "data": [
            root / "data" / "nlu" / "common.yml",
            root / "data" / "nlu" / bot,
            root / "bots" / bot / "rules",
        ],
        "safety": [load_settings().catalogue_dir / "safety"],
        "code": [PROJECT_ROOT / "studybots" / "bot" / "nlu", PROJECT_ROOT / "studybots" / "safety"],
    }


def fingerprint(bot: str, root: Path | None = None) -> str:
    root = root or load_settings().project_dir
    digest = hashlib.sha256()
    for kind, paths in training_inputs(bot, root).items():
        base = {"code": PROJECT_ROOT, "safety": load_settings().catalogue_dir}.get(kind, root)
        for path in paths:
            if not path.exists():  # a moved file would silently drop out of the stamp
                raise FileNotFoundError(f"training input {path} is missing")
            files = sorted(path.rglob("*")) if path.is_dir() else [path]
            for f in files:
                if f.is_file() and f.suffix in (".yml", ".yaml", ".py", ".csv"):
                    digest.update(str(f.relative_to(base)).encode())
                    digest.update(f.read_bytes())
    return digest.hexdigest()


def is_up_to_date(bot: str, models_dir: Path) -> bool:
    return model_path(bot, models_dir).exists() and read_stamp(bot, models_dir) == fingerprint(bot)


def clear_training_cache() -> None:
    shutil.rmtree(rasa_env()["RASA_CACHE_DIRECTORY"], ignore_errors=True)


def _training_env(bot: str) -> dict[str, str]:
    """Rasa's environment with a training cache of the bot's own, so that two
    bots can train at the same time without sharing the cache's database."""
    env = rasa_env()
    env["RASA_CACHE_DIRECTORY"] = str(Path(env["RASA_CACHE_DIRECTORY"]) / bot)
    return env


def train(bot: str, out_dir: Path) -> Path:
    """Train `bot` into `out_dir`/<bot>.tar.gz with its fingerprint stamp.

    Rasa writes the archive into a scratch directory first; it appears in
    `out_dir` only when complete.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    inputs = training_inputs(bot)
    stamp = fingerprint(bot)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=f".training-{bot}-") as scratch:
        command = [
            sys.executable,
            "-m",
            "rasa",
            "train",
            "--config",
            str(inputs["config"][0]),
            "--domain",
            str(inputs["domain"][0]),
            "--data",
            *[str(p) for p in inputs["data"]],
            "--out",
            scratch,
            "--fixed-model-name",
            bot,
            "--force",
        ]
        _run_logged(command, bot, load_settings().var_dir / "logs" / f"train-{bot}.log")
        os.replace(model_path(bot, Path(scratch)), model_path(bot, out_dir))
    (out_dir / f"{bot}.sha256").write_text(stamp + "\n")
    return model_path(bot, out_dir)


# Lines of Rasa's training log that name the stage it is in.
_STAGES = (
    ("Training NLU model", "NLU"),
    ("Training Core model", "dialogue rules"),
    ("Starting to train component", None),
    ("Your Rasa model is trained", "saving the model"),
)
PROGRESS_SECONDS = 15.0


def _stage(line: str) -> str | None:
    for marker, label in _STAGES:
        if marker in line:
            if label is None:  # "Starting to train component 'X'": the component's name
                return line.split(marker, 1)[1].strip(" '\"\n").split("'")[0] or None
            return label
    return None


def _run_logged(command: list[str], bot: str, log: Path) -> None:
    """Run `rasa train` with its output in `log`; print one line of progress
    every PROGRESS_SECONDS, and the end of the log if it fails."""
    log.parent.mkdir(parents=True, exist_ok=True)
    print(f"{bot}: training (Rasa's log: {log})", flush=True)
    started = last_print = time.monotonic()
    stage = "starting"
    with open(log, "wb") as out, open(log, "rb") as reader:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=_training_env(bot), stdout=out, stderr=subprocess.STDOUT
        )
        while process.poll() is None:
            time.sleep(0.5)
            for raw in reader.read().decode("utf-8", "replace").splitlines():
                stage = _stage(raw) or stage
            if time.monotonic() - last_print >= PROGRESS_SECONDS:
                last_print = time.monotonic()
                print(f"{bot}:   {last_print - started:.0f} s, {stage} ...", flush=True)
    if process.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-25:]
        print("\n".join(tail), file=sys.stderr)
        raise subprocess.CalledProcessError(process.returncode, command)


def _train_one(bot: str, models_dir: Path) -> bool:
    started = time.monotonic()
    try:
        train(bot, staging_dir(models_dir))
    except (subprocess.CalledProcessError, OSError):
        return False
    install(bot, staging_dir(models_dir), models_dir)
    print(f"{bot}: trained in {time.monotonic() - started:.0f} s", flush=True)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bots", nargs="*", help="tero and/or paavo (default: both)")
    parser.add_argument("--force", action="store_true", help="retrain even if up to date")
    parser.add_argument(
        "--jobs", type=int, default=0, help="bots trained at once (default: one per core)"
    )
    args = parser.parse_args(argv)
    models_dir = load_settings().models_dir
    models_dir.mkdir(parents=True, exist_ok=True)
    unknown = set(args.bots) - set(BOTS)
    if unknown:
        parser.error(f"unknown bot(s): {sorted(unknown)}; choose from {BOTS}")
    todo = []
    for bot in args.bots or BOTS:
        if not args.force and is_up_to_date(bot, models_dir):
            print(f"{bot}: model is up to date ({model_path(bot, models_dir)})")
        else:
            todo.append(bot)
    # Each `rasa train` runs on one core (OMP_NUM_THREADS=1): the bots train
    # side by side, at most one per core (--jobs).
    jobs = max(1, min(len(todo), args.jobs or os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        failed = [
            bot
            for bot, ok in zip(todo, pool.map(lambda b: _train_one(b, models_dir), todo))
            if not ok
        ]
    if failed:
        print(f"training failed: {', '.join(failed)} (see the logs named above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
