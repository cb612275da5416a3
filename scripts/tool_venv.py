"""What scripts/audit.py and scripts/k8s_check.py share: each runs a security
tool from a venv of its own, installed with hashes (the tools' dependencies
conflict with Rasa's pins, so they are not in uv.lock), and reads a file of
accepted findings whose every line must give its reason.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path


def uv_command(label: str) -> list[str]:
    """uv as the Makefile runs it: $UV, uv on PATH, or `python3.10 -m uv`."""
    if os.environ.get("UV"):
        return os.environ["UV"].split()
    if shutil.which("uv"):
        return [shutil.which("uv") or "uv"]
    candidates = [os.environ.get("PYTHON310", "")]
    pyenv = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates += sorted(glob.glob(f"{pyenv}/versions/3.10.*/bin/python"))
    candidates += [shutil.which("python3.10") or "", sys.executable]
    for python in filter(None, candidates):
        if subprocess.run([python, "-m", "uv", "--version"], capture_output=True).returncode == 0:
            return [python, "-m", "uv"]
    raise SystemExit(f"{label}: uv not found (run `make install` first, or set UV=/path/to/uv)")


def base_python() -> str:
    return getattr(sys, "_base_executable", None) or sys.executable


def ensure_tool(uv: list[str], venv: Path, requirements: Path, executable: str, label: str) -> Path:
    """`venv` with exactly the hashed `requirements`; the path of `executable` in it.
    A stamp named by the requirements' hash skips the install when nothing changed."""
    stamp = venv / (".installed-" + hashlib.sha256(requirements.read_bytes()).hexdigest()[:12])
    tool = venv / "bin" / executable
    if stamp.exists() and tool.exists():
        return tool
    print(f"{label}: installing {executable} into {venv.name} ...", flush=True)
    subprocess.run(
        [*uv, "venv", "--quiet", "--clear", str(venv), "--python", base_python()], check=True
    )
    subprocess.run(
        [
            *uv,
            "pip",
            "install",
            "--quiet",
            "--python",
            str(venv / "bin" / "python"),
            "--require-hashes",
            "-r",
            str(requirements),
        ],
        check=True,
    )
    for old in venv.glob(".installed-*"):
        old.unlink()
    stamp.touch()
    return tool


def read_exceptions(path: Path, id_pattern: str, shape: str, label: str) -> list[list[str]]:
    """The lines of an exceptions file as [id, second field, reason]; comments
    and blank lines skipped. Every malformed line is listed, then the run stops."""
    rows, problems = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        if len(parts) < 3 or not re.match(id_pattern, parts[0]):
            problems.append(f"{path.name}:{number}: expected `{shape}`, got {line!r}")
            continue
        rows.append(parts)
    if problems:
        raise SystemExit(f"{label}: bad exceptions file\n  " + "\n  ".join(problems))
    return rows
