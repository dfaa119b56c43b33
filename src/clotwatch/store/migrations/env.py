"""Alembic environment: online migrations against the URL set by clotwatch.store.migrate."""

from __future__ import annotations

from alembic import context

from clotwatch.store.db import make_engine
from clotwatch.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run the migrations in one transaction on a fresh engine."""
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is set by clotwatch.store.migrate.alembic_config"
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():  # pragma: no cover - clotwatch runs migrations online only
    raise SystemExit("offline (SQL script) migrations are not supported; "
                     "run `clotwatch db upgrade`")
run_migrations_online()
