"""Dependency audit: every locked requirement (uv.lock) against the known
vulnerabilities that pip-audit finds on PyPI, with documented exceptions.

    make audit            (or: .venv/bin/python scripts/audit.py)

1. pip-audit runs from its own venv, .venv-audit/, installed with hashes from
   security/pip-audit-requirements.txt (it cannot live in uv.lock: Rasa 3.6
   pins packaging<21 and no pip-audit release accepts that).
2. `uv export --frozen --no-hashes --all-groups` lists the locked packages;
   `pip-audit -r ... --no-deps --disable-pip` asks PyPI about each of them.
3. security/pip-audit-ignore.txt lists accepted vulnerabilities, one per
   line: `ID  package  reason` (the reason is required).

Exit 1 (and a list) when a vulnerability is not in the exceptions file, or
when any package could not be audited (PyPI unreachable, a package unknown
to the vulnerability service): an audit that saw nothing must not pass.
Exceptions that no longer match anything are reported so they can be removed.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOL_REQUIREMENTS = ROOT / "security" / "pip-audit-requirements.txt"
IGNORE_FILE = ROOT / "security" / "pip-audit-ignore.txt"
TOOL_VENV = Path(os.environ.get("STUDYBOTS_AUDIT_VENV", ROOT / ".venv-audit"))


def uv_command() -> list[str]:
    """uv as the Makefile runs it: $UV, uv on PATH, or `python3.10 -m uv`."""
    if os.environ.get("UV"):
        return os.environ["UV"].split()
    if shutil.which("uv"):
        return [shutil.which("uv")]
    candidates = [os.environ.get("PYTHON310", "")]
    pyenv = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates += sorted(glob.glob(f"{pyenv}/versions/3.10.*/bin/python"))
    candidates += [shutil.which("python3.10") or "", sys.executable]
    for python in filter(None, candidates):
        if subprocess.run([python, "-m", "uv", "--version"], capture_output=True).returncode == 0:
            return [python, "-m", "uv"]
    raise SystemExit("audit: uv not found (run `make install` first, or set UV=/path/to/uv)")


def base_python() -> str:
    return getattr(sys, "_base_executable", None) or sys.executable


def ensure_tool(uv: list[str]) -> Path:
    """.venv-audit with exactly the hashed pip-audit requirements."""
    stamp = TOOL_VENV / (
        ".installed-" + hashlib.sha256(TOOL_REQUIREMENTS.read_bytes()).hexdigest()[:12]
    )
    tool = TOOL_VENV / "bin" / "pip-audit"
    if stamp.exists() and tool.exists():
        return tool
    print(f"audit: installing pip-audit into {TOOL_VENV.relative_to(ROOT)} ...", flush=True)
    subprocess.run(
        [*uv, "venv", "--quiet", "--clear", str(TOOL_VENV), "--python", base_python()], check=True
    )
    subprocess.run(
        [
            *uv,
            "pip",
            "install",
            "--quiet",
            "--python",
            str(TOOL_VENV / "bin" / "python"),
            "--require-hashes",
            "-r",
            str(TOOL_REQUIREMENTS),
        ],
        check=True,
    )
    stamp.touch()
    return tool


def load_ignored(path: Path = IGNORE_FILE) -> dict[str, tuple[str, str]]:
    """{vulnerability id: (package, reason)}; malformed lines stop the audit."""
    ignored: dict[str, tuple[str, str]] = {}
    problems = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        if len(parts) < 3 or not re.match(r"^[A-Za-z]+-[\w-]+$", parts[0]):
            problems.append(f"{path.name}:{number}: expected `ID package reason`, got {line!r}")
            continue
        ignored[parts[0]] = (parts[1].lower(), parts[2])
    if problems:
        raise SystemExit("audit: bad exceptions file\n  " + "\n  ".join(problems))
    return ignored


def run_audit(uv: list[str], tool: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        requirements = Path(tmp) / "requirements.txt"
        report = Path(tmp) / "report.json"
        exported = subprocess.run(
            [
                *uv,
                "export",
                "--frozen",
                "--no-hashes",
                "--all-groups",
                "--no-emit-project",
                "--quiet",
                "-o",
                str(requirements),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if exported.returncode != 0:
            raise SystemExit(f"audit: uv export failed:\n{exported.stderr}")
        result = subprocess.run(
            [
                str(tool),
                "-r",
                str(requirements),
                "--no-deps",
                "--disable-pip",
                "--progress-spinner",
                "off",
                "--format",
                "json",
                "-o",
                str(report),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=900,
        )
        # pip-audit exits 1 when it finds vulnerabilities; the report decides.
        if not report.exists() or not report.read_text().strip():
            raise SystemExit(
                f"audit: pip-audit failed (exit {result.returncode}):\n{result.stderr[-3000:]}"
            )
        return json.loads(report.read_text())


def judge(
    report: dict, ignored: dict[str, tuple[str, str]]
) -> tuple[list[str], list[str], list[str], int]:
    """(unignored vulnerabilities, packages not audited, stale exceptions, packages audited)."""
    found, unaudited, seen = [], [], set()
    audited = 0
    for dep in report.get("dependencies", []):
        name, version = dep.get("name", "?"), dep.get("version", "?")
        if "skip_reason" in dep:
            unaudited.append(f"{name}: {dep['skip_reason']}")
            continue
        audited += 1
        for vuln in dep.get("vulns", []):
            ids = [vuln["id"], *vuln.get("aliases", [])]
            known = [i for i in ids if i in ignored]
            seen.update(known)
            if not known:
                fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed version"
                found.append(f"{name} {version}: {' / '.join(ids)} (fixed in: {fixes})")
    stale = [f"{vid} ({pkg})" for vid, (pkg, _) in ignored.items() if vid not in seen]
    return found, unaudited, stale, audited


def main() -> int:
    uv = uv_command()
    tool = ensure_tool(uv)
    ignored = load_ignored()
    report = run_audit(uv, tool)
    found, unaudited, stale, audited = judge(report, ignored)
    print(
        f"audit: {audited} packages audited, {len(ignored)} documented exceptions "
        f"({IGNORE_FILE.relative_to(ROOT)})"
    )
    for line in stale:
        print(f"audit: exception no longer needed, remove it: {line}")
    if unaudited:
        print(
            f"audit: FAILED, {len(unaudited)} packages could not be audited "
            "(is PyPI's JSON API reachable?):"
        )
        for line in unaudited[:20]:
            print("  " + line)
        if len(unaudited) > 20:
            print(f"  ... and {len(unaudited) - 20} more")
    if found:
        print(
            f"audit: FAILED, {len(found)} vulnerabilities not in the exceptions file "
            "(upgrade, or add `ID package reason` to it):"
        )
        for line in found:
            print("  " + line)
    if unaudited or found:
        return 1
    print("audit: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
