"""Structural checks of the Kubernetes manifests (server/deploy/) and the Dockerfile: what they
promise (probes on /healthz, a token from a Secret, limits, a port that matches) is really there,
and every `envgym serve` argument they pass exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "server" / "deploy"


def documents() -> list[dict]:
    docs = []
    for path in sorted(DEPLOY.glob("*.yaml")):
        docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    return docs


def one(kind: str, name: str | None = None) -> dict:
    found = [d for d in documents() if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


@pytest.fixture
def container() -> dict:
    containers = one("Deployment")["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def port_number(container: dict, port: int | str) -> int:
    if isinstance(port, int):
        return port
    return next(p["containerPort"] for p in container["ports"] if p["name"] == port)


def quantity(value: str) -> float:
    """CPU or memory quantity as a number (enough for comparing requests with limits)."""
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 1e3, "M": 1e6, "G": 1e9}
    match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(value))
    assert match, value
    return float(match.group(1)) * units.get(match.group(2), 1)


def test_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    assert listed == {p.name for p in DEPLOY.glob("*.yaml")} - {"kustomization.yaml"}
    assert all((DEPLOY / name).exists() for name in listed)


def test_probes_hit_healthz_on_the_serving_port(container):
    serving = port_number(container, "http")
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        get = container[probe]["httpGet"]
        assert get["path"] == "/healthz", probe
        assert port_number(container, get["port"]) == serving, probe
    args = container["args"]
    assert int(args[args.index("--port") + 1]) == serving


def test_token_comes_from_a_secret_and_nowhere_else(container):
    env = {e["name"]: e for e in container["env"]}
    token = env["ENVGYM_TOKEN"]
    assert "value" not in token
    ref = token["valueFrom"]["secretKeyRef"]
    assert ref["name"] and ref["key"]
    assert "--token" not in container["args"]
    # binding beyond loopback is exactly the case where the server insists on that token
    assert container["args"][container["args"].index("--host") + 1] == "0.0.0.0"


def test_resources_have_requests_within_limits(container):
    resources = container["resources"]
    for key in ("cpu", "memory"):
        assert quantity(resources["requests"][key]) <= quantity(resources["limits"][key]), key


def test_runs_unprivileged_with_what_bwrap_needs(container):
    pod = one("Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    ctx = container["securityContext"]
    assert ctx["allowPrivilegeEscalation"] is False and ctx.get("privileged") is not True
    assert ctx["capabilities"]["drop"] == ["ALL"]
    assert ctx["procMount"] == "Unmasked" and pod["hostUsers"] is False  # Kubernetes rejects one without the other
    assert ctx["seccompProfile"]["type"] == "Unconfined"
    if ctx.get("readOnlyRootFilesystem"):
        assert "/tmp" in {m["mountPath"] for m in container["volumeMounts"]}  # sandboxes and temp files need it
    # shutdown closes sessions within the server's close timeout; the pod must be given that long
    assert pod["terminationGracePeriodSeconds"] > 30


def test_services_select_the_deployment_pods_and_port(container):
    labels = one("Deployment")["spec"]["template"]["metadata"]["labels"]
    selector = one("Deployment")["spec"]["selector"]["matchLabels"]
    assert selector.items() <= labels.items()
    services = [d for d in documents() if d["kind"] == "Service"]
    assert services
    for service in services:
        assert service["spec"]["selector"].items() <= labels.items()
        for port in service["spec"]["ports"]:
            assert port_number(container, port["targetPort"]) == port_number(container, "http")
    # sessions live in one replica: the load-balanced Service must keep a client on its pod
    balanced = one("Service", "envgym-server")
    assert one("Deployment")["spec"]["replicas"] == 1 or balanced["spec"]["sessionAffinity"] == "ClientIP"


def test_every_serve_argument_exists(container):
    """The manifest's args are parsed by the real `envgym serve` command."""
    import typer
    from typer.testing import CliRunner

    from envgym_server.cli import register

    app = typer.Typer()
    register(app)

    @app.callback()
    def root() -> None:  # a group, so `serve` is addressed by name as on the envgym CLI
        pass

    # --help after the args: parsing fails on an unknown option before help is printed.
    result = CliRunner().invoke(app, ["serve", *container["args"], "--help"])
    assert result.exit_code == 0, result.output


def test_dockerfile_matches_the_manifests(container):
    dockerfile = (REPO / "server" / "Dockerfile").read_text()
    assert re.search(r"^ARG BASE_IMAGE=envgym-base:bookworm$", dockerfile, re.M)
    assert re.search(r"^FROM \$\{BASE_IMAGE\}$", dockerfile, re.M)
    assert re.search(r"^EXPOSE 8000$", dockerfile, re.M) and port_number(container, "http") == 8000
    user = re.search(r"^USER (\d+)", dockerfile, re.M)
    assert user and int(user.group(1)) == one("Deployment")["spec"]["template"]["spec"]["securityContext"]["runAsUser"]
    assert container["image"].split(":")[0] == "envgym-server"
