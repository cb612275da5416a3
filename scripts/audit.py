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

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tool_venv  # scripts/ is not a package

ROOT = Path(__file__).resolve().parent.parent
TOOL_REQUIREMENTS = ROOT / "security" / "pip-audit-requirements.txt"
IGNORE_FILE = ROOT / "security" / "pip-audit-ignore.txt"
TOOL_VENV = Path(os.environ.get("STUDYBOTS_AUDIT_VENV", ROOT / ".venv-audit"))


def ensure_tool(uv: list[str]) -> Path:
    """.venv-audit with exactly the hashed pip-audit requirements."""
    return tool_venv.ensure_tool(uv, TOOL_VENV, TOOL_REQUIREMENTS, "pip-audit", "audit")


def load_ignored(path: Path = IGNORE_FILE) -> dict[str, tuple[str, str]]:
    """{vulnerability id: (package, reason)}; malformed lines stop the audit."""
    rows = tool_venv.read_exceptions(path, r"^[A-Za-z]+-[\w-]+$", "ID package reason", "audit")
    return {vid: (package.lower(), reason) for vid, package, reason in rows}


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
    uv = tool_venv.uv_command("audit")
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
