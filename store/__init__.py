"""The database layer: SQLAlchemy models, sessions, migrations and the catalogue import."""
