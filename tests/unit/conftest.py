import pytest

from actions import runtime


@pytest.fixture
def fresh_database(tmp_path, monkeypatch):
    """The actions' progress database, new and empty for one test (SQLite)."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'progress.db'}")
    runtime.database.cache_clear()
    yield runtime.database()
    runtime.database().close()
    runtime.database.cache_clear()
