"""Static check of the Kubernetes manifests: checkov over deploy/kubernetes/.

    make k8s-check        (or: .venv/bin/python scripts/k8s_check.py)
    make install          (installs the tool: scripts/k8s_check.py --install-only)

1. checkov runs from its own venv, .venv-checkov/, installed with hashes from
   security/checkov-requirements.txt (it brings dependencies of its own,
   boto3 and more, that the bots do not need, so it is not in uv.lock).
   Installing it is the only download; the check itself runs offline
   (`--skip-download`: no guidelines or policies fetched).
2. `checkov -d deploy/kubernetes --framework kubernetes` checks every
   manifest as committed (the manifests name the pinned image themselves,
   kustomize only sets the namespace they already carry).
3. security/checkov-skip.txt lists accepted findings, one per line:
   `CHECK_ID  resource-or-*  reason` (the reason is required).

Exit 1 (and a list) on any failed check not in the exceptions file, or when
checkov checked nothing (a check that saw nothing must not pass). Exceptions
that no longer match anything are reported so they can be removed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tool_venv  # scripts/ is not a package

ROOT = Path(__file__).resolve().parent.parent
MANIFESTS = ROOT / "deploy" / "kubernetes"
TOOL_REQUIREMENTS = ROOT / "security" / "checkov-requirements.txt"
SKIP_FILE = ROOT / "security" / "checkov-skip.txt"
TOOL_VENV = Path(os.environ.get("STUDYBOTS_CHECKOV_VENV", ROOT / ".venv-checkov"))


def ensure_tool(uv: list[str]) -> Path:
    """.venv-checkov with exactly the hashed checkov requirements."""
    return tool_venv.ensure_tool(uv, TOOL_VENV, TOOL_REQUIREMENTS, "checkov", "k8s-check")


def load_skips(path: Path = SKIP_FILE) -> dict[tuple[str, str], str]:
    """{(check id, resource or *): reason}; malformed lines stop the check."""
    rows = tool_venv.read_exceptions(
        path, r"^CKV2?_[A-Z0-9]+_\d+$", "CHECK_ID resource reason", "k8s-check"
    )
    return {(check, resource): reason for check, resource, reason in rows}


def run_checkov(tool: Path, directory: Path = MANIFESTS) -> list[dict]:
    result = subprocess.run(
        [
            str(tool),
            "-d",
            str(directory),
            "--framework",
            "kubernetes",
            "--skip-download",
            "--quiet",
            "--compact",
            "--output",
            "json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"},
    )
    # checkov exits 1 when checks fail; the report decides.
    try:
        report = json.loads(result.stdout)
    except ValueError:
        raise SystemExit(
            f"k8s-check: checkov failed (exit {result.returncode}):\n{result.stderr[-3000:]}"
        ) from None
    return report if isinstance(report, list) else [report]


def judge(
    reports: list[dict], skips: dict[tuple[str, str], str]
) -> tuple[list[str], list[str], int]:
    """(findings not accepted, stale exceptions, checks passed)."""
    found, used, passed = [], set(), 0
    for report in reports:
        results = report.get("results", {})
        passed += int(report.get("summary", {}).get("passed", 0))
        for check in results.get("failed_checks", []):
            check_id, resource = check["check_id"], check.get("resource", "?")
            keys = [(check_id, resource), (check_id, "*")]
            accepted = [k for k in keys if k in skips]
            used.update(accepted)
            if not accepted:
                where = (
                    f"{check.get('file_path', '?')}:{(check.get('file_line_range') or ['?'])[0]}"
                )
                found.append(f"{check_id} {resource} ({where}): {check.get('check_name', '')}")
    stale = [f"{cid} {res}" for (cid, res) in skips if (cid, res) not in used]
    return sorted(found), stale, passed


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    tool = ensure_tool(tool_venv.uv_command("k8s-check"))
    if "--install-only" in argv:  # make install
        return 0
    skips = load_skips()
    found, stale, passed = judge(run_checkov(tool), skips)
    print(
        f"k8s-check: {passed} checks passed over {MANIFESTS.relative_to(ROOT)}, "
        f"{len(skips)} documented exceptions ({SKIP_FILE.relative_to(ROOT)})"
    )
    for line in stale:
        print(f"k8s-check: exception no longer needed, remove it: {line}")
    if passed == 0:
        print("k8s-check: FAILED, checkov checked nothing")
        return 1
    if found:
        print(f"k8s-check: FAILED, {len(found)} findings not in the exceptions file:")
        for line in found:
            print("  " + line)
        return 1
    print("k8s-check: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
