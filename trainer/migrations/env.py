"""Alembic environment: migrations run from trainer.db.migrate() (and the alembic CLI)."""

from alembic import context
from sqlalchemy import engine_from_config, pool

from trainer.models import Base

config = context.config
connection = config.attributes.get("connection")


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    run(connection)
else:
    engine = engine_from_config(
        config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with engine.connect() as new_connection:
        run(new_connection)
