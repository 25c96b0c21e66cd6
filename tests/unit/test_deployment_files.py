"""The deployment files (Docker does not run here) parsed and held in step with the run command:
every container runs scripts/serve.sh with one of its roles and gets every variable the Rasa
configuration reads."""

import re
import subprocess
from dataclasses import fields

import pytest
import yaml
from dockerfile_parse import DockerfileParser

from harness.processes import ROOT
from rasa_plugins.admission import Limits

SERVE_ROLES = set(re.findall(r"^(\w+)\)$", (ROOT / "scripts" / "serve.sh").read_text(), re.M))
RASA_VARIABLES = set(
    re.findall(r"\$\{(\w+)\}", (ROOT / "credentials.yml").read_text() + (ROOT / "endpoints.yml").read_text())
)
REQUIRED_BY_RASA = {"ACTION_SERVER_URL", "TRACKER_STORE_URL", "LOCK_STORE_URL"}
RASA_SETTINGS = {
    "RASA_ENABLE_API",
    "RASA_API_TOKEN",
    "ACTION_TIMEOUT_SECONDS",
    "WEB_SESSION_SECRET",
    "RASA_CORS",
    "SANIC_PROXIES_COUNT",
} | {f.name.upper() for f in fields(Limits)}


def load(path):
    return yaml.safe_load((ROOT / path).read_text())


def test_serve_script_knows_its_roles_and_refuses_others():
    assert SERVE_ROLES == {"actions", "rasa", "web", "reminders"}
    assert subprocess.run(["bash", "-n", "scripts/serve.sh"], cwd=ROOT).returncode == 0
    wrong = subprocess.run(["scripts/serve.sh", "nginx"], cwd=ROOT, capture_output=True, text=True)
    assert wrong.returncode == 2 and "usage" in wrong.stderr
    missing = subprocess.run(
        ["scripts/serve.sh", "rasa"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "TRACKER_STORE_URL": "sqlite://"},
    )
    assert missing.returncode == 2 and "set ACTION_SERVER_URL" in missing.stderr


def serve(role, **environment):
    return subprocess.run(
        ["scripts/serve.sh", role],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin", "PYTHON": "false", **environment},
    )


def test_serve_refuses_to_open_the_http_api_without_a_token():
    stores = {"ACTION_SERVER_URL": "http://127.0.0.1:1/webhook", "TRACKER_STORE_URL": "sqlite://"}
    refused = serve("rasa", RASA_ENABLE_API="true", **stores)
    assert refused.returncode == 2 and "refusing to open Rasa's HTTP API" in refused.stderr
    unknown = serve("rasa", RASA_ENABLE_API="yes please", RASA_API_TOKEN="t", **stores)
    assert unknown.returncode == 2 and "RASA_ENABLE_API must be true or false" in unknown.stderr
    # With a token it gets as far as starting Python (here `false`, so it exits 1 at once).
    assert serve("rasa", RASA_ENABLE_API="true", RASA_API_TOKEN="t", **stores).returncode == 1


def test_serve_keeps_the_action_server_on_loopback_unless_it_has_a_secret():
    refused = serve("actions", ACTION_HOST="0.0.0.0")
    assert refused.returncode == 2 and "without ACTION_SERVER_SECRET" in refused.stderr
    assert serve("actions", ACTION_HOST="0.0.0.0", ACTION_SERVER_SECRET="s").returncode == 1
    assert serve("actions").returncode == 1  # loopback by default


def test_the_action_server_has_one_blas_thread_unless_the_deployer_sets_more(tmp_path):
    # Idle BLAS threads spinning between requests took CPU from the Rasa server (benchmarks/README.md).
    python = tmp_path / "python"
    python.write_text('#!/bin/sh\necho "$OMP_NUM_THREADS $OPENBLAS_NUM_THREADS"\n')
    python.chmod(0o755)
    assert serve("actions", PYTHON=str(python)).stdout.split() == ["1", "1"]
    assert serve("actions", PYTHON=str(python), OPENBLAS_NUM_THREADS="4").stdout.split() == ["1", "4"]
    assert serve("actions", PYTHON=str(python), OMP_NUM_THREADS="4").stdout.split() == ["4", "4"]


def test_dockerfile_builds_one_image_running_serve_sh():
    parser = DockerfileParser(path=str(ROOT / "Dockerfile"))
    instructions = [(i["instruction"], i["value"]) for i in parser.structure]
    assert re.match(r"python:3\.10\.\d+-slim", parser.baseimage)  # inside rasa 3.6's Python range
    runs = " ".join(value for name, value in instructions if name == "RUN")
    assert "-r requirements/requirements.txt -c requirements/lock.txt" in runs and "npm ci" in runs
    assert "scripts/train.py" in runs
    assert dict(instructions)["ENTRYPOINT"] == '["scripts/serve.sh"]'
    assert dict(instructions)["USER"] not in ("root", "0")
    assert {"5005", "5055", "8080"} <= set(dict(instructions)["EXPOSE"].split())
    assert parser.envs["RASA_TELEMETRY_ENABLED"] == "false"


def test_compose_services_match_the_run_command():
    compose = load("docker-compose.yml")
    services = compose["services"]
    roles = {name: service["command"][0] for name, service in services.items() if service.get("build")}
    assert set(roles.values()) == SERVE_ROLES
    rasa = [name for name, role in roles.items() if role == "rasa"]
    assert len(rasa) >= 2
    for name in rasa:
        environment = services[name]["environment"]
        assert RASA_VARIABLES <= set(environment), f"{name} lacks {RASA_VARIABLES - set(environment)}"
        assert environment["TRACKER_STORE_URL"].startswith("postgresql://")
        assert environment["LOCK_STORE_URL"].startswith("redis://")
    for name, role in roles.items():
        if role in ("actions", "web", "reminders"):
            assert services[name]["environment"]["DATABASE_URL"].startswith("postgresql://")
        if role == "actions":  # reachable from the Rasa containers, so it needs their secret
            environment = services[name]["environment"]
            assert environment["ACTION_HOST"] == "0.0.0.0"
            assert environment["ACTION_SERVER_SECRET"] == services[rasa[0]]["environment"]["ACTION_SERVER_SECRET"]
    assert {"postgres", "redis", "proxy"} <= set(services)

    nginx = (ROOT / "deploy" / "nginx" / "nginx.conf").read_text()
    upstream = re.search(r"upstream rasa \{(.*?)\}", nginx, re.S).group(1)
    assert "ip_hash;" in upstream  # sticky: socket.io polls before it upgrades
    assert set(re.findall(r"server ([\w-]+):5005;", upstream)) == set(rasa)
    assert (
        "listen 443 ssl" in nginx
        and "./deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro" in services["proxy"]["volumes"]
    )


@pytest.mark.parametrize(
    "path, role", [("deploy/helm/rasa-values.yaml", "rasa"), ("deploy/helm/action-server-values.yaml", "actions")]
)
def test_helm_values_run_serve_sh_with_the_variables_it_needs(path, role):
    values = load(path)
    assert values["command"] == ["scripts/serve.sh"] and values["args"] == [role]
    names = {entry["name"] for entry in values["extraEnv"]}
    if role == "rasa":
        assert REQUIRED_BY_RASA <= names and names <= RASA_VARIABLES | RASA_SETTINGS
        assert "ACTION_SERVER_SECRET" in names
        assert values["applicationSettings"]["telemetry"]["enabled"] is False
        assert values["ingress"]["annotations"]["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    else:
        assert names == {"DATABASE_URL", "ACTION_HOST", "ACTION_SERVER_SECRET"}


def test_web_chart_is_well_formed():
    chart = load("deploy/helm/ihl-web/Chart.yaml")
    assert chart["apiVersion"] == "v2" and chart["name"] == "ihl-web"
    values = load("deploy/helm/ihl-web/values.yaml")
    deployment = (ROOT / "deploy" / "helm" / "ihl-web" / "templates" / "deployment.yaml").read_text()
    assert 'args: ["web"]' in deployment and "DATABASE_URL" in deployment and values["port"] == 8080
    for template in (ROOT / "deploy" / "helm" / "ihl-web" / "templates").glob("*.yaml"):
        # Go templates are not YAML until rendered; with placeholders filled in they must parse.
        rendered = re.sub(r"\{\{[^}]*\}\}", "x", template.read_text())
        assert yaml.safe_load(rendered.replace("containerPort: x", "containerPort: 1").replace("port: x", "port: 1"))
