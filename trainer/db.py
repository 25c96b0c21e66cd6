"""Connect to the progress database and bring its schema up to date with Alembic."""
from pathlib import Path
from typing import Optional

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_db_engine(url: str) -> Engine:
    """An engine for `url`. SQLite gets WAL (readers never block the writer), foreign keys
    (off by default in SQLite) and a busy timeout (two processes write: the action server and
    the trainer tools)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
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
