"""Where the databases are: from the environment, with the embedded SQLite defaults."""
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "var" / "db"


def database_url() -> str:
    """The progress store (DATABASE_URL); by default a SQLite file under var/db/."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'trainer.db'}"


def tracker_store_url() -> str:
    """Rasa's conversation store (TRACKER_STORE_URL, as in endpoints.yml)."""
    return os.environ.get("TRACKER_STORE_URL") or f"sqlite:///{DATA_DIR / 'tracker.db'}"
