"""The files a deployment uses: the container's entrypoint, the systemd units,
compose.yaml and the environment template (docs/operations.md).

Images cannot be built or pulled here, so the entrypoint is run with a fake
``recaudo`` on PATH that records what it was asked to run.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.helpers import ROOT

ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
SYSTEMD = ROOT / "deploy" / "systemd"
ENV_TEMPLATE = ROOT / "deploy" / "recaudo.env.example"

FAKE_RECAUDO = """#!/bin/sh
# Records how it was started: its arguments and its process id.
python3 -c 'import json, os, sys
print(json.dumps({"argv": sys.argv[1:], "pid": os.getppid()}))' "$@"
"""


@pytest.fixture
def fake_path(tmp_path: Path) -> str:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "recaudo"
    fake.write_text(FAKE_RECAUDO)
    fake.chmod(0o755)
    return f"{bin_dir}{os.pathsep}{os.environ['PATH']}"


def run_entrypoint(fake_path: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(ENTRYPOINT), *args],
        env={"PATH": fake_path},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def what_ran(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["argv"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["web"], ["serve", "--no-collectstatic"]),
        (["web", "--workers", "8"], ["serve", "--no-collectstatic", "--workers", "8"]),
        (["worker"], ["worker"]),
        (["worker", "--lanes", "4"], ["worker", "--lanes", "4"]),
        (["migrate"], ["migrate", "--no-input"]),
        ([], ["serve", "--no-collectstatic"]),
    ],
)
def test_the_entrypoint_runs_the_recaudo_command_of_each_role(fake_path, args, expected):
    assert what_ran(run_entrypoint(fake_path, *args)) == expected


def test_the_entrypoint_runs_any_other_command_as_given(fake_path):
    assert what_ran(run_entrypoint(fake_path, "recaudo", "check", "--deploy")) == [
        "check",
        "--deploy",
    ]
    echoed = run_entrypoint(fake_path, "echo", "hola")
    assert (echoed.returncode, echoed.stdout) == (0, "hola\n")


def test_the_entrypoint_replaces_itself_so_the_command_gets_the_containers_signals(fake_path):
    # exec: the shell's process becomes the command's (its parent here is that same
    # process, the fake's python3 child reports it), so `docker stop`'s SIGTERM
    # reaches the worker and gunicorn, not a shell that would not pass it on.
    process = subprocess.Popen(
        ["sh", str(ENTRYPOINT), "worker"],
        env={"PATH": fake_path},
        stdout=subprocess.PIPE,
        text=True,
    )
    output, _ = process.communicate(timeout=30)
    assert json.loads(output)["pid"] == process.pid


def test_the_entrypoint_fails_on_an_unknown_command(fake_path):
    result = run_entrypoint(fake_path, "no-such-command")
    assert result.returncode == 127
    assert result.stdout == ""


def test_the_entrypoint_and_the_scripts_pass_shellcheck():
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed")
    scripts = [ENTRYPOINT, ROOT / "scripts" / "backup.sh", ROOT / "scripts" / "restore.sh"]
    result = subprocess.run(
        ["shellcheck", *map(str, scripts)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout


# --- systemd ------------------------------------------------------------------------


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read(SYSTEMD / name)
    return parser


def exec_lines(name: str) -> list[str]:
    """Every ExecStart= line (configparser keeps only the last of repeated keys)."""
    text = (SYSTEMD / name).read_text()
    return re.findall(r"^ExecStart=(.*)$", text, re.MULTILINE)


def test_the_worker_unit_stops_with_sigterm_and_waits_longer_than_a_batch_can_take():
    service = unit("recaudo-worker.service")["Service"]
    assert exec_lines("recaudo-worker.service") == ["/srv/recaudo/venv/bin/recaudo worker"]
    assert service["KillSignal"] == "SIGTERM"
    # A batch is bounded by its lease; the default lease must fit in the wait.
    assert int(service["TimeoutStopSec"]) > settings.DISPATCH_LEASE_SECONDS
    assert service["EnvironmentFile"] == "/etc/recaudo/recaudo.env"
    assert service["User"] == "recaudo"


def test_the_web_unit_runs_recaudo_serve_as_the_service_user():
    service = unit("recaudo-web.service")["Service"]
    assert exec_lines("recaudo-web.service") == [
        "/srv/recaudo/venv/bin/recaudo serve --no-collectstatic"
    ]
    assert service["KillSignal"] == "SIGTERM"
    assert service["User"] == "recaudo"
    assert service["ReadWritePaths"] == "/srv/recaudo/var"


def test_the_daily_timer_runs_the_backup_then_the_archive_job():
    timer = unit("recaudo-daily.timer")["Timer"]
    assert timer["OnCalendar"] == "*-*-* 03:30:00"
    assert timer["Persistent"] == "true"
    assert unit("recaudo-daily.service")["Service"]["Type"] == "oneshot"
    assert exec_lines("recaudo-daily.service") == [
        "/srv/recaudo/app/scripts/backup.sh",
        "/srv/recaudo/venv/bin/recaudo archive",
    ]


def test_systemd_finds_nothing_wrong_in_the_units_but_the_programs_not_installed_here():
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    units = sorted(str(path) for path in SYSTEMD.iterdir())
    result = subprocess.run(
        ["systemd-analyze", "verify", *units], capture_output=True, text=True, check=False
    )
    complaints = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "is not executable: No such file or directory" not in line
    ]
    assert complaints == []


# --- the environment template and compose --------------------------------------------


def template_environment() -> dict[str, str]:
    environment = {}
    for line in ENV_TEMPLATE.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, _, value = line.partition("=")
        assert not value.startswith(('"', "'")), f"{name}: no quotes (systemd and Docker differ)"
        if value.startswith("<") and value.endswith(">"):
            value = "x" * 10 + name.lower() + "-" + "7" * 50
        environment[name] = value
    return environment


def test_the_environment_template_with_its_placeholders_filled_passes_check_deploy(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "recaudo.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            **template_environment(),
            "RECAUDO_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_the_environment_template_holds_no_secret_only_placeholders():
    text = ENV_TEMPLATE.read_text()
    secrets = ["SECRET_KEY", "PGPASSWORD", "WHATSAPP_ACCESS_TOKEN", "TWILIO_AUTH_TOKEN"]
    secrets += ["SMTP_PASSWORD", "MERCADOPAGO_ACCESS_TOKEN", "MERCADOPAGO_WEBHOOK_SECRET"]
    for name in secrets:
        assert re.search(rf"^{name}=<secret: [^>]*>$", text, re.MULTILINE), name


def compose_command() -> list[str] | None:
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        probe = subprocess.run([*command, "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return command
    return None


def test_compose_yaml_is_valid_and_has_the_five_services(tmp_path):
    command = compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor docker-compose is installed")
    project = tmp_path / "project"
    shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(".git", ".venv", "var", "tests"))
    shutil.copy(ENV_TEMPLATE, project / ".env")

    def config(*args: str) -> str:
        result = subprocess.run(
            [*command, "--project-directory", str(project), "-f", str(project / "compose.yaml"),
             "config", *args],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert sorted(config("--services").split()) == ["migrate", "postgres", "redis", "web", "worker"]
    # The template's WEB_HOST (127.0.0.1, right for systemd) would make the web
    # container unreachable: compose sets it for each of the three app services.
    assert config().count("WEB_HOST: 0.0.0.0") == 3
