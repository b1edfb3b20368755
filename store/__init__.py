"""Storage: SQLModel tables, the engine and session factory, Alembic migrations."""
