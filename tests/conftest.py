import asyncio
import contextlib
import os
import uuid
from pathlib import Path

import pytest

# Before anything imports rasa: no telemetry from the test run either.
os.environ["RASA_TELEMETRY_ENABLED"] = "false"

from harness.processes import start_action_server, start_rasa_server, start_web_server, trained_model  # noqa: E402
from trainer.db import Database  # noqa: E402


def pytest_collection_modifyitems(items):
    """tests/integration and tests/e2e carry their folder's marker (pyproject.toml), so that
    `-m "not e2e"` leaves the browser and multi-process tests out."""
    for item in items:
        folder = item.path.parent.name
        if folder in ("integration", "e2e"):
            item.add_marker(getattr(pytest.mark, folder))


@pytest.fixture(scope="session")
def test_model() -> Path:
    """The shipped model; scripts/test.sh passes it in, else it is trained or reused here."""
    if os.environ.get("TEST_MODEL"):
        return Path(os.environ["TEST_MODEL"])
    return trained_model()


@pytest.fixture(scope="session")
def server_logs(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("server-logs")


@pytest.fixture(scope="session")
def session_database_url(tmp_path_factory) -> str:
    """The progress database the session's action server writes to (never var/db/)."""
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'progress.db'}"


@pytest.fixture(scope="module")
def db(session_database_url):
    """The session's progress database, opened for one test module."""
    db = Database(session_database_url)
    yield db
    db.close()


@pytest.fixture(scope="session")
def action_server_url(server_logs, session_database_url):
    server, url = start_action_server(server_logs, session_database_url)
    yield url
    server.stop()


@pytest.fixture(scope="session")
def rasa_server_url(test_model, action_server_url, server_logs, tmp_path_factory):
    """A Rasa server process (REST and socket.io channels) with the test model."""
    tracker_db = tmp_path_factory.mktemp("tracker") / "tracker.db"
    server, url = start_rasa_server(test_model, action_server_url, server_logs, tracker_db)
    yield url
    server.stop()


@pytest.fixture(scope="session")
def web_url(rasa_server_url, server_logs, session_database_url):
    """The trainee page and dashboard, its widget pointed at the test Rasa server, reading the
    progress database the session's action server writes."""
    server, url = start_web_server(rasa_server_url, server_logs, session_database_url)
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


@contextlib.contextmanager
def fresh_postgres_database():
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    admin_url = os.environ.get("TEST_DATABASE_URL")
    if not admin_url:
        pytest.skip("no PostgreSQL: set TEST_DATABASE_URL or run scripts/with_services.sh make test")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"ihl_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield str(make_url(admin_url).set(database=name))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh, empty database: a SQLite file, and a PostgreSQL database when one is reachable
    (TEST_DATABASE_URL, set by scripts/with_services.sh, which .ci/run uses)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'progress.db'}"
    else:
        with fresh_postgres_database() as url:
            yield url


@pytest.fixture
def postgres_url():
    with fresh_postgres_database() as url:
        yield url
