"""Train the bots whose inputs changed since their last model.

A model's inputs are the shared config, the bot's domain, rules and NLU data
(generated from the catalogue) and the project's NLU components. Their
SHA-256 is stored next to the model; `make run` retrains only on a mismatch.
`--force` retrains from scratch.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

from studybots.settings import PROJECT_ROOT, load_settings

BOTS = ("tero", "paavo")


def training_inputs(bot: str, root: Path = PROJECT_ROOT) -> dict[str, list[Path]]:
    return {
        "config": [root / "config.yml"],
        "domain": [root / "bots" / bot / "domain"],
        "data": [root / "data" / "nlu" / "common.yml", root / "data" / "nlu" / bot,
                 root / "bots" / bot / "rules"],
        "code": [root / "studybots" / "nlu"],
    }


def fingerprint(bot: str, root: Path = PROJECT_ROOT) -> str:
    digest = hashlib.sha256()
    for paths in training_inputs(bot, root).values():
        for path in paths:
            files = sorted(path.rglob("*")) if path.is_dir() else [path]
            for f in files:
                if f.is_file() and f.suffix in (".yml", ".yaml", ".py"):
                    digest.update(str(f.relative_to(root)).encode())
                    digest.update(f.read_bytes())
    return digest.hexdigest()


def model_path(bot: str, models_dir: Path) -> Path:
    return models_dir / f"{bot}.tar.gz"


def is_up_to_date(bot: str, models_dir: Path) -> bool:
    stamp = models_dir / f"{bot}.sha256"
    return (model_path(bot, models_dir).exists() and stamp.exists()
            and stamp.read_text().strip() == fingerprint(bot))


def rasa_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("OMP_NUM_THREADS", "1")
    env["RASA_TELEMETRY_ENABLED"] = "false"  # never phone home
    return env


def train(bot: str, models_dir: Path, out_dir: Path | None = None) -> Path:
    out_dir = out_dir or models_dir
    inputs = training_inputs(bot)
    command = [
        sys.executable, "-m", "rasa", "train",
        "--config", str(inputs["config"][0]),
        "--domain", str(inputs["domain"][0]),
        "--data", *[str(p) for p in inputs["data"]],
        "--out", str(out_dir), "--fixed-model-name", bot, "--force",
    ]
    stamp = fingerprint(bot)
    subprocess.run(command, check=True, cwd=PROJECT_ROOT, env=rasa_env())
    (out_dir / f"{bot}.sha256").write_text(stamp + "\n")
    return model_path(bot, out_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bots", nargs="*", help="tero and/or paavo (default: both)")
    parser.add_argument("--force", action="store_true", help="retrain even if up to date")
    args = parser.parse_args(argv)
    models_dir = load_settings().models_dir
    models_dir.mkdir(parents=True, exist_ok=True)
    unknown = set(args.bots) - set(BOTS)
    if unknown:
        parser.error(f"unknown bot(s): {sorted(unknown)}; choose from {BOTS}")
    for bot in args.bots or BOTS:
        if not args.force and is_up_to_date(bot, models_dir):
            print(f"{bot}: model is up to date ({model_path(bot, models_dir)})")
            continue
        started = time.monotonic()
        train(bot, models_dir)
        print(f"{bot}: trained in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
