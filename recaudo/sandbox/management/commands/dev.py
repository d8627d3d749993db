"""``recaudo dev``: the web app, the worker and the provider sandbox together (make run)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Start the provider sandbox, the worker and the web server, with every channel "
        "pointed at the sandbox; stop them all on Ctrl-C or when one of them stops."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        public = f"http://{host}:{port}"
        environment = {**os.environ, "PUBLIC_BASE_URL": public, "SANDBOX_URL": settings.SANDBOX_URL}
        command = [sys.executable, "-m", "recaudo.cli"]
        processes = {
            "sandbox": [*command, "sandbox", "--webhook-base-url", public],
            "worker": [*command, "worker"],
            "web": [*command, "runserver", f"{host}:{port}"],
        }
        children: dict[str, subprocess.Popen[bytes]] = {}
        stopping = False

        def stop(signum: int = signal.SIGTERM, frame: Any = None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            for name, argv in processes.items():
                children[name] = subprocess.Popen(argv, env=environment)
                if name == "sandbox":
                    time.sleep(1.0)  # let it listen before the worker sends
            simulator = (
                f"{public}/sandbox/" if settings.SANDBOX_ENABLED else "off (SANDBOX_ENABLED)"
            )
            self.stdout.write(
                f"Recaudo: {public}/admin/  ·  phone simulator: {simulator}  ·  "
                f"sandbox: {settings.SANDBOX_URL}"
            )
            while not stopping:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(f"{name} stopped (exit {child.returncode}); stopping all")
                        stopping = True
                time.sleep(0.5)
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            for child in children.values():
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
