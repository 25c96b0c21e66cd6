import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Before anything imports rasa: no telemetry from the test run either.
os.environ["RASA_TELEMETRY_ENABLED"] = "false"

from tests.processes import ROOT, start_action_server  # noqa: E402


@pytest.fixture(scope="session")
def test_model() -> Path:
    """The fast test model; scripts/test.sh passes it in, else it is trained or reused here."""
    if os.environ.get("TEST_MODEL"):
        return Path(os.environ["TEST_MODEL"])
    result = subprocess.run(
        [sys.executable, "scripts/train.py", "--config", "tests/fast_config.yml", "--prefix", "test"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True,
    )  # fmt: skip
    return Path(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def server_logs(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("server-logs")


@pytest.fixture(scope="session")
def action_server_url(server_logs):
    server, url = start_action_server(server_logs)
    yield url
    server.stop()


@pytest.fixture(scope="session")
def agent(test_model, action_server_url):
    """The trained assistant loaded in-process, its custom actions on a real action server."""
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    return Agent.load(str(test_model), action_endpoint=EndpointConfig(action_server_url))


@pytest.fixture(scope="session")
def run():
    """Run a coroutine on one event loop shared by the session (Rasa's HTTP clients keep it)."""
    loop = asyncio.new_event_loop()
    yield loop.run_until_complete
    loop.close()
