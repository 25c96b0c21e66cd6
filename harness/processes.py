"""Start the project's servers as real processes on free loopback ports, and stop them."""

import functools
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

import requests

ROOT = Path(__file__).resolve().parent.parent
RASA_READY_LINE = "Rasa server is up and running"  # "/" answers before the model is loaded
# Tests and benchmarks write faster than any trainee and from more senders: lift the admission
# limits (rasa_plugins/admission.py) unless a test sets its own.
LIMITS_FOR_ROBOTS = {
    "RATE_LIMIT_PER_MINUTE": "1000000",
    "RATE_LIMIT_BURST": "1000000",
    "MAX_OPEN_SESSIONS": "1000000",
    "MAX_SESSIONS_PER_ADDRESS": "1000000",
    "NEW_WEB_SESSIONS_PER_ADDRESS": "1000000",
}
# The REST channel's bearer token and the key that signs web sessions, the same for every
# server the harness starts in this process (tests mint web session tokens with it).
REST_TOKEN = secrets.token_urlsafe(24)
WEB_SESSION_SECRET = secrets.token_urlsafe(32)
REST_HEADERS = {"Authorization": f"Bearer {REST_TOKEN}"}


def web_session_token(session: Optional[str] = None) -> str:
    """A token for the socket.io channel, as the trainee page would give it."""
    from trainer.web_sessions import issue

    return issue(WEB_SESSION_SECRET, session)[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerProcess:
    """A server process (ours are started as `scripts/serve.sh ROLE`, the run command's own way),
    its output kept in a log file for failures."""

    def __init__(
        self,
        command: List[str],
        ready_url: str,
        log: Path,
        env: Optional[Dict] = None,
        ready_log_line: Optional[str] = None,
        cwd: Path = ROOT,
    ):
        self.ready_url = ready_url
        self.ready_log_line = ready_log_line
        self.log = log
        environment = dict(os.environ, RASA_TELEMETRY_ENABLED="false", PYTHON=sys.executable, **(env or {}))
        self._log_file = open(log, "wb")
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env=environment,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 120.0) -> "ServerProcess":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early; log:\n{self.output()}")
            if self.ready_log_line and self.ready_log_line not in self.output():
                time.sleep(0.5)
                continue
            try:
                if requests.get(self.ready_url, timeout=2).status_code < 500:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"server not ready after {timeout}s; log:\n{self.output()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log_file.close()

    def kill(self) -> None:
        """SIGKILL, as a crash: no clean shutdown."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def pids(self) -> List[int]:
        """The server's process and every process under it, while they run."""
        found, pending = [], [self.process.pid]
        while pending:
            pid = pending.pop()
            try:
                pending += [
                    int(child)
                    for task in Path(f"/proc/{pid}/task").iterdir()
                    for child in (task / "children").read_text().split()
                ]
            except FileNotFoundError:  # it has just exited
                continue
            found.append(pid)
        return found

    def output(self) -> str:
        if not self._log_file.closed:  # closed once the server is stopped
            self._log_file.flush()
        return self.log.read_text(errors="replace")[-20000:]


def trained_model(root: Path = ROOT) -> Path:
    """The model scripts/train.py trains, or reuses when its inputs are unchanged (of this
    project, or of the checkout at `root`)."""
    result = subprocess.run(
        [sys.executable, "scripts/train.py"], cwd=root, stdout=subprocess.PIPE, text=True, check=True
    )
    return root / result.stdout.strip().splitlines()[-1]


@functools.cache
def fitted_grader(content_dir: Optional[str], root: Path = ROOT) -> None:
    """Fits the grader for this content (None: the project's) into var/cache once per test run
    (minutes on a fresh clone), so that each action server started after it loads it in seconds,
    as after scripts/run.sh. `root`: another checkout of the project (a benchmark's baseline),
    where code from before the grader has nothing to fit."""
    if not (root / "trainer" / "grader.py").is_file():
        return
    content = ["--content", content_dir] if content_dir else []
    subprocess.run([sys.executable, "-m", "trainer", "fit", *content], cwd=root, stdout=subprocess.DEVNULL, check=True)


def start_action_server(
    log_dir: Path,
    database_url: str,
    port: Optional[int] = None,
    env: Optional[Dict[str, str]] = None,
    root: Path = ROOT,
):
    """The action server of this project, or of the checkout at `root`."""
    fitted_grader((env or {}).get("CONTENT_DIR"), root)
    port = port or free_port()
    server = ServerProcess(
        ["scripts/serve.sh", "actions"],
        ready_url=f"http://127.0.0.1:{port}/health",
        log=log_dir / f"actions-{port}-{time.monotonic_ns()}.log",
        cwd=root,
        env={
            "DATABASE_URL": database_url,
            "ACTION_PORT": str(port),
            "ACTION_HOST": "127.0.0.1",
            "ACTION_SERVER_SECRET": "",
            **(env or {}),
        },
    ).wait_ready(timeout=60)
    return server, f"http://127.0.0.1:{port}/webhook"


def credentials_variables(root: Path = ROOT) -> Dict[str, str]:
    """Every ${VARIABLE} credentials.yml reads, empty: a test server never reaches a real
    Telegram or Twilio, whatever the developer's environment holds."""
    return {name: "" for name in re.findall(r"\$\{(\w+)\}", (root / "credentials.yml").read_text())}


def start_rasa_server(
    model: Path,
    action_url: str,
    log_dir: Path,
    tracker_store,
    env: Optional[Dict[str, str]] = None,
    root: Path = ROOT,
):
    """A Rasa server process (of this project, or of the checkout at `root`); `tracker_store` is
    a SQLite file or a SQLAlchemy URL."""
    port = free_port()
    tracker_url = tracker_store if isinstance(tracker_store, str) else f"sqlite:///{tracker_store}"
    server = ServerProcess(
        ["scripts/serve.sh", "rasa"],
        ready_url=f"http://127.0.0.1:{port}/",
        log=log_dir / f"rasa-{port}.log",
        cwd=root,
        env={
            **credentials_variables(root),
            "MODEL": str(model),
            "RASA_PORT": str(port),
            "ACTION_SERVER_URL": action_url,
            "TRACKER_STORE_URL": tracker_url,
            "LOCK_STORE_URL": "",
            "ACTION_SERVER_SECRET": "",
            "RASA_ENABLE_API": "false",
            "REST_CHANNEL_TOKEN": REST_TOKEN,
            "RASA_CORS": "*",  # test pages are served on ports picked later
            "WEB_SESSION_SECRET": WEB_SESSION_SECRET,
            **LIMITS_FOR_ROBOTS,
            **(env or {}),
        },
        ready_log_line=RASA_READY_LINE,
    ).wait_ready(timeout=240)
    return server, f"http://127.0.0.1:{port}"


def start_web_server(rasa_url: str, log_dir: Path, database_url: str, env: Optional[Dict[str, str]] = None):
    """The trainee page and dashboard (python -m trainer web), its widget pointed at `rasa_url`."""
    port = free_port()
    server = ServerProcess(
        ["scripts/serve.sh", "web"],
        ready_url=f"http://127.0.0.1:{port}/healthz",
        log=log_dir / f"web-{port}.log",
        env={
            "RASA_PUBLIC_URL": rasa_url,
            "DATABASE_URL": database_url,
            "WEB_HOST": "127.0.0.1",
            "WEB_PORT": str(port),
            "WEB_SESSION_SECRET": WEB_SESSION_SECRET,
            "NEW_WEB_SESSIONS_PER_ADDRESS": LIMITS_FOR_ROBOTS["NEW_WEB_SESSIONS_PER_ADDRESS"],
            **(env or {}),
        },
    ).wait_ready(timeout=60)
    return server, f"http://127.0.0.1:{port}"
