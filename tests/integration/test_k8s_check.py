"""checkov over deploy/kubernetes (scripts/k8s_check.py, its own venv
.venv-checkov installed by make install): no finding without a written reason.
Fails, never skips, when checkov cannot run."""

from __future__ import annotations

import subprocess
import sys

from studybots.core.settings import PROJECT_ROOT


def test_the_kubernetes_manifests_pass_the_static_check():
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "k8s_check.py")],
        capture_output=True,
        text=True,
        timeout=1200,
        cwd=PROJECT_ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "k8s-check: OK" in result.stdout
    assert "no longer needed" not in result.stdout, result.stdout
