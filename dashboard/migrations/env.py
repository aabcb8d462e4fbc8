"""Alembic environment: run with the connection handed over by dashboard.db.upgrade, or a URL."""
from alembic import context
from sqlalchemy import create_engine

from dashboard.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # `alembic` run by hand: DASHBOARD_DB_URL or the default file
        from dashboard.db import database_url
        with create_engine(database_url()).begin() as conn:
            _run(conn)
    else:
        _run(connection)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
