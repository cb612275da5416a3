"""The Kubernetes manifests start what exists, give the bots what they read,
and run every workload hardened (checkov's full check: tests/integration/test_k8s_check.py)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

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
    "STUDYBOTS_INTERNAL_TOKEN",
}
SECRETS_DIR = "/run/secrets/studybots"
IMAGE = re.compile(r"^[\w.-]+(/[\w.-]+)+:\d+\.\d+\.\d+$")  # an exact version, never latest


def manifests() -> list[dict]:
    kustomization = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    docs = []
    for name in kustomization["resources"]:
        docs += [d for d in yaml.safe_load_all((DEPLOY / name).read_text()) if d]
    return docs


def pod_specs() -> list[tuple[str, str, dict]]:
    """(kind, name, pod spec) of every workload."""
    found = []
    for doc in manifests():
        if doc["kind"] == "Deployment":
            found.append((doc["kind"], doc["metadata"]["name"], doc["spec"]["template"]["spec"]))
        elif doc["kind"] == "CronJob":
            spec = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
            found.append((doc["kind"], doc["metadata"]["name"], spec))
    return found


def containers(kind: str = "Deployment") -> list[tuple[str, dict]]:
    return [(name, c) for _, name, spec in pod_specs() for c in spec["containers"]]


def secret_files(spec: dict) -> dict[str, str]:
    """{file name under /run/secrets/studybots: Secret key} of a pod."""
    files = {}
    for volume in spec.get("volumes", []):
        for source in volume.get("projected", {}).get("sources", []):
            for item in source.get("secret", {}).get("items", []):
                files[item["path"]] = item["key"]
    return files


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
        spec = next(s for _, n, s in pod_specs() if n == name)
        given = set(config) | set(secret_files(spec)) | {e["name"] for e in container["env"]}
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
    assert backends == {"tero", "paavo", "web", "console"}
    config = next(d for d in manifests() if d["kind"] == "ConfigMap")["data"]
    assert config["STUDYBOTS_PROFILE"] == "production"
    assert not (SECRET_KEYS & set(config)), "secrets belong in the Secret"


def test_every_workload_is_hardened():
    for kind, name, spec in pod_specs():
        assert spec["automountServiceAccountToken"] is False, name
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True and pod["runAsUser"] >= 10000, name
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}, name
        mounts_needed = set()
        for container in spec["containers"]:
            where = f"{name}/{container['name']}"
            sc = container["securityContext"]
            assert sc["runAsNonRoot"] is True and sc["runAsUser"] >= 10000, where
            assert sc["allowPrivilegeEscalation"] is False, where
            assert sc["readOnlyRootFilesystem"] is True, where
            assert sc["capabilities"] == {"drop": ["ALL"]}, where
            assert IMAGE.match(container["image"]), (where, container["image"])
            assert container["imagePullPolicy"] == "Always", where
            for side in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][side]), (where, side)
            if kind == "Deployment":  # a Job serves nothing and ends by itself
                assert "livenessProbe" in container and "readinessProbe" in container, where
            mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
            assert "/tmp" in mounts, (where, "a writable /tmp on the read-only root")
            mounts_needed |= {m["name"] for m in container.get("volumeMounts", [])}
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        assert mounts_needed <= set(volumes), name
        assert "emptyDir" in volumes["tmp"], name


def test_secrets_are_files_never_environment_variables():
    for _, name, spec in pod_specs():
        for container in spec["containers"]:
            for source in container.get("envFrom", []):
                assert "secretRef" not in source, name
            for variable in container.get("env", []):
                assert "secretKeyRef" not in variable.get("valueFrom", {}), (name, variable)
        files = secret_files(spec)
        optional = {"STUDYBOTS_DATABASE_URL", "STUDYBOTS_CONSOLE_OIDC_CLIENT_SECRET"}
        assert set(files.values()) <= SECRET_KEYS | optional, name
        if files:
            env = {e["name"]: e.get("value") for e in spec["containers"][0].get("env", [])}
            assert env.get("STUDYBOTS_SECRETS_DIR") == SECRETS_DIR, name
            mounts = {m["mountPath"]: m for m in spec["containers"][0]["volumeMounts"]}
            assert mounts[SECRETS_DIR]["readOnly"] is True, name
    # Only what each needs: the web page none, the model server only the token.
    by_name = {name: secret_files(spec) for _, name, spec in pod_specs()}
    assert by_name["web"] == {}
    assert by_name["models"] == {"STUDYBOTS_INTERNAL_TOKEN": "STUDYBOTS_INTERNAL_TOKEN"}
    assert by_name["tero"]["STUDYBOTS_TRACKER_URL"] == "TERO_TRACKER_URL"
    assert by_name["paavo"]["STUDYBOTS_TRACKER_URL"] == "PAAVO_TRACKER_URL"
    for bot in ("tero", "paavo"):
        assert "STUDYBOTS_INTERNAL_TOKEN" in by_name[bot]  # presented to actions and models
    # The console: its tables and the report are in the log database; no internal token.
    assert by_name["console"] == {
        "STUDYBOTS_LOG_URL": "STUDYBOTS_LOG_URL",
        "STUDYBOTS_CONSOLE_OIDC_CLIENT_SECRET": "STUDYBOTS_CONSOLE_OIDC_CLIENT_SECRET",
    }


def test_the_console_is_served_at_toimitus_on_its_own_port():
    console = dict(containers())["console"]
    command = console["command"]
    port = int(command[command.index("--port") + 1])
    assert command[:4] == ["python", "-m", "studybots.console", "serve"]
    assert console["readinessProbe"]["httpGet"] == {"path": "/health", "port": port}
    env = {e["name"]: e.get("value") for e in console["env"]}
    assert "STUDYBOTS_CONSOLE_PLAIN_HTTP" not in env  # Secure cookies behind TLS
    assert env["STUDYBOTS_CONSOLE_ORIGINS"].startswith("https://")
    ingress = next(d for d in manifests() if d["kind"] == "Ingress")
    paths = [p for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
    to_console = [p for p in paths if p["backend"]["service"]["name"] == "console"]
    assert len(to_console) == 1
    pattern = re.compile(to_console[0]["path"])
    rewrite = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/rewrite-target"]
    for path in ("/toimitus/", "/toimitus/kirjaudu", "/toimitus"):
        match = pattern.match(path)
        assert match, path
        assert rewrite.replace("$2", match.group(2)) == path  # the console sees its own path
    assert to_console[0]["backend"]["service"]["port"]["number"] == port


def test_the_log_consumer_has_a_health_check_on_its_port():
    consumer = dict(containers())["log-consumer"]
    command = consumer["command"]
    port = int(command[command.index("--health-port") + 1])
    assert consumer["livenessProbe"]["httpGet"] == {"path": "/health", "port": port}
    assert consumer["readinessProbe"]["httpGet"] == {"path": "/health", "port": port}
    assert not any("amqp://" in part or "postgresql://" in part for part in command)


def test_the_image_is_built_on_a_base_whose_python_310_is_still_patched():
    dockerfile = (PROJECT_ROOT / "deploy" / "Dockerfile").read_text()
    base = re.search(r"^ARG BASE_IMAGE=(\S+)$", dockerfile, re.M).group(1)
    assert base == "ubuntu:22.04"  # python3.10 in main: standard security maintenance to 2027
    assert re.search(r"^FROM \$\{BASE_IMAGE\}$", dockerfile, re.M)
    assert "python:3.10" not in dockerfile.split("# BASE_IMAGE")[1]  # python.org's: EOL 10/2026
    assert "apt-get upgrade" in dockerfile and "python3.10-venv" in dockerfile
    assert "--python /usr/bin/python3.10" in dockerfile
    assert re.search(r"^USER 10001$", dockerfile, re.M)
    assert "Python 3.10 and the base image" in (PROJECT_ROOT / "docs" / "runbook.md").read_text()


def test_the_console_writes_the_catalogue_and_its_history_on_the_shared_volume():
    """docs/deployment.md, "The catalogue in production"."""
    config = next(d for d in manifests() if d["kind"] == "ConfigMap")["data"]
    catalogue = Path(config["STUDYBOTS_CATALOGUE_DIR"])
    history = Path(config["STUDYBOTS_CATALOGUE_HISTORY_DIR"])
    assert history.parent == catalogue.parent and history != catalogue
    assert not history.is_relative_to(catalogue)  # never inside the tables' folder
    console = next(spec for _, name, spec in pod_specs() if name == "console")
    [mount] = [m for m in console["containers"][0]["volumeMounts"] if m["name"] == "var"]
    assert catalogue.is_relative_to(mount["mountPath"]) and not mount.get("readOnly")
    [volume] = [v for v in console["volumes"] if v["name"] == "var"]
    claim = volume["persistentVolumeClaim"]
    assert not claim.get("readOnly")
    pvc = next(
        d
        for d in manifests()
        if d["kind"] == "PersistentVolumeClaim" and d["metadata"]["name"] == claim["claimName"]
    )
    # Two replicas share the volume: ReadWriteMany, and git in the image.
    deployment = next(
        d for d in manifests() if d["kind"] == "Deployment" and d["metadata"]["name"] == "console"
    )
    assert deployment["spec"]["replicas"] == 1 or "ReadWriteMany" in pvc["spec"]["accessModes"]
    dockerfile = (PROJECT_ROOT / "deploy" / "Dockerfile").read_text()
    assert re.search(r"apt-get install[^\n]*\bgit\b", dockerfile)
