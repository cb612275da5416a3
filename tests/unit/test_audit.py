"""The dependency audit (scripts/audit.py): its rules offline, and the real
audit of uv.lock against PyPI (marker `audit`: needs PyPI; fails, never skips,
when PyPI cannot be asked)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from studybots.core.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
import audit


def test_exceptions_file_is_well_formed():
    ignored = audit.load_ignored()
    assert all(reason.strip() for _, reason in ignored.values())


def test_bad_exception_lines_are_refused(tmp_path):
    path = tmp_path / "ignore.txt"
    path.write_text(
        "# comment\nPYSEC-2023-1 jinja2 not reachable: no user templates\nGHSA-xxxx-yyyy-zzzz\n",
        encoding="utf-8",
    )
    with pytest.raises(SystemExit, match="ignore.txt:3"):
        audit.load_ignored(path)


def test_judging_a_report():
    report = {
        "dependencies": [
            {
                "name": "a",
                "version": "1",
                "vulns": [
                    {"id": "PYSEC-1", "aliases": ["CVE-1"], "fix_versions": ["2"]},
                    {"id": "GHSA-2", "aliases": ["CVE-2"], "fix_versions": []},
                ],
            },
            {"name": "b", "version": "1", "vulns": []},
            {"name": "c", "skip_reason": "Dependency not found on PyPI"},
        ]
    }
    found, unaudited, stale, audited = audit.judge(
        report, {"CVE-2": ("a", "why"), "PYSEC-9": ("z", "gone")}
    )
    assert found == ["a 1: PYSEC-1 / CVE-1 (fixed in: 2)"]
    assert unaudited == ["c: Dependency not found on PyPI"]
    assert stale == ["PYSEC-9 (z)"] and audited == 2


@pytest.mark.audit
def test_locked_dependencies_have_no_unexplained_vulnerabilities():
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "audit.py")],
        capture_output=True,
        text=True,
        timeout=1200,
        cwd=PROJECT_ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
