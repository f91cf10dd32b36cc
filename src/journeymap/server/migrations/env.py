"""Alembic's environment: runs on the connection :func:`journeymap.server.db.migrate` hands it."""

from __future__ import annotations

from alembic import context

from journeymap.server.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - migrations run through journeymap.server.db.migrate only
    raise RuntimeError("run migrations with journeymap.server.db.migrate (journeymap serve does it at start)")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
