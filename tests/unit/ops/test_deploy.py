"""The Kubernetes manifests start what exists and give the bots what they read."""

from __future__ import annotations

import importlib.util
import re

import yaml

from studybots.core.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy" / "kubernetes"
# Keys the Secret must hold (documented in config.yaml's comment).
SECRET_KEYS = {
    "TERO_TRACKER_URL",
    "PAAVO_TRACKER_URL",
    "STUDYBOTS_LOG_URL",
    "STUDYBOTS_LOCK_URL",
    "STUDYBOTS_LOG_QUEUE",
    "STUDYBOTS_LOG_KEY",
}


def manifests() -> list[dict]:
    kustomization = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    docs = []
    for name in kustomization["resources"]:
        docs += [d for d in yaml.safe_load_all((DEPLOY / name).read_text()) if d]
    return docs


def containers(kind: str = "Deployment") -> list[tuple[str, dict]]:
    found = []
    for doc in manifests():
        if doc["kind"] == "Deployment":
            spec = doc["spec"]["template"]["spec"]
        elif doc["kind"] == "CronJob":
            spec = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        else:
            continue
        found += [(doc["metadata"]["name"], c) for c in spec["containers"]]
    return found


def test_every_command_runs_a_module_of_the_project():
    for name, container in containers():
        command = " ".join(container["command"])
        modules = re.findall(r"python -m ([\w.]+)", command)
        assert modules, (name, command)
        for module in modules:
            assert importlib.util.find_spec(module) is not None, (name, module)


def test_the_bots_get_every_variable_their_endpoints_read():
    config = next(d for d in manifests() if d["kind"] == "ConfigMap")["data"]
    needed = set(
        re.findall(r"\$\{(\w+)\}", (PROJECT_ROOT / "endpoints.production.yml").read_text())
    )
    for name, container in containers():
        if name not in ("tero", "paavo"):
            continue
        given = set(config) | SECRET_KEYS | {e["name"] for e in container.get("env", [])}
        assert needed <= given, (name, needed - given)
        files = [a for a in container["command"] if a.endswith(".yml")]
        assert files and all((PROJECT_ROOT / f).is_file() for f in files), files


def test_internal_services_are_not_public():
    ingress = next(d for d in manifests() if d["kind"] == "Ingress")
    backends = {
        p["backend"]["service"]["name"]
        for rule in ingress["spec"]["rules"]
        for p in rule["http"]["paths"]
    }
    assert backends == {"tero", "paavo", "web"}
    config = next(d for d in manifests() if d["kind"] == "ConfigMap")["data"]
    assert config["STUDYBOTS_PROFILE"] == "production"
    assert not (SECRET_KEYS & set(config)), "secrets belong in the Secret"
