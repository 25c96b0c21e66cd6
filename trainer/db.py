"""The progress database: one `Database` per process (engine, schema migrations with Alembic,
transactions, and retries while the server is briefly unreachable), shared by the progress
store, the trainee records, the trainer accounts and the reports."""

import time
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Callable, Iterator, Optional, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from trainer import settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0)  # seconds between tries when the database is unreachable
F = TypeVar("F", bound=Callable)


class StoreUnavailable(Exception):
    """The database stayed unreachable through every retry; nothing was written."""


class Database:
    """The engine and the sessions of one database, its schema brought up to date on opening."""

    def __init__(self, url: Optional[str] = None):
        self.engine = create_db_engine(url or settings.database_url())
        migrate(self.engine)
        self._sessions = sessionmaker(self.engine, future=True, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed at the end of the block, or rolled back on error."""
        with self._sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def retrying(method: F) -> F:
    """Retry a database call while the database is unreachable, then raise StoreUnavailable."""

    @wraps(method)
    def wrapper(*args, **kwargs):
        for delay in (*RETRY_DELAYS, None):
            try:
                return method(*args, **kwargs)
            except IntegrityError:
                raise
            except (OperationalError, InterfaceError) as error:
                failure = error
            except DBAPIError as error:
                if not error.connection_invalidated:
                    raise
                failure = error
            if delay is None:
                raise StoreUnavailable(str(failure.orig)) from failure
            time.sleep(delay)

    return wrapper  # type: ignore[return-value]


def create_db_engine(url: str) -> Engine:
    """An engine for `url`. SQLite gets WAL (readers never block the writer), foreign keys
    (off by default in SQLite) and a busy timeout (two processes write: the action server and
    the trainer tools). A file database keeps a pool of connections, as SQLAlchemy 2.0 does by
    default: 1.4 opens one per transaction, which cost the action server more CPU per answer
    than the query itself. The pool hands a connection to one thread at a time, so SQLite's
    same-thread check (the actions run in worker threads) can be off."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(
                url, future=True, poolclass=QueuePool, connect_args={"timeout": 15, "check_same_thread": False}
            )
        else:
            engine = create_engine(url, future=True, connect_args={"timeout": 15})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record):
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.close()

        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


def alembic_config(engine: Optional[Engine] = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", str(engine.url).replace("%", "%%"))
    return config


MIGRATION_LOCK_ID = 7_343_001  # any constant shared by every process of the deployment


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to `revision` (the newest by default); a no-op when up to date.

    On SQLite, Alembic changes a table by copying it and dropping the old one; with foreign
    keys on, that drop would fire ON DELETE actions and empty the references to it. Foreign
    keys are therefore off while migrating (SQLite's documented procedure), then checked.
    """
    config = alembic_config(engine)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        with connection.begin():
            if engine.dialect.name == "postgresql":
                # Replicas starting together: one migrates, the others wait, then find it done.
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        if sqlite:
            problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
            if problems:
                raise RuntimeError(f"migration left broken references: {problems[:5]}")
