"""The Kubernetes static check (scripts/k8s_check.py): its rules, offline."""

from __future__ import annotations

import sys

import pytest

from studybots.core.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
import k8s_check


def test_exceptions_file_is_well_formed_and_every_exception_has_a_reason():
    skips = k8s_check.load_skips()
    assert skips and all(len(reason.split()) >= 5 for reason in skips.values())


def test_bad_exception_lines_are_refused(tmp_path):
    path = tmp_path / "skip.txt"
    path.write_text("# comment\nCKV_K8S_43 * why not\nCKV_K8S_22 Deployment.x\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="skip.txt:3"):
        k8s_check.load_skips(path)


def test_judging_a_report():
    report = {
        "summary": {"passed": 10, "failed": 3},
        "results": {
            "failed_checks": [
                {"check_id": "CKV_K8S_43", "resource": "Deployment.s.web", "check_name": "d"},
                {"check_id": "CKV_K8S_22", "resource": "Deployment.s.web", "check_name": "ro"},
                {"check_id": "CKV_K8S_8", "resource": "Deployment.s.a", "check_name": "live"},
            ]
        },
    }
    found, stale, passed = k8s_check.judge(
        [report],
        {
            ("CKV_K8S_43", "*"): "digest after the build",
            ("CKV_K8S_8", "Deployment.s.a"): "reason",
            ("CKV_K8S_9", "*"): "gone",
        },
    )
    assert passed == 10
    assert found == ["CKV_K8S_22 Deployment.s.web (?:?): ro"]
    assert stale == ["CKV_K8S_9 *"]
