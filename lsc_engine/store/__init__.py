"""Persistence: submissions, evaluations and the audit chain (sqlmodel; SQLite file or PostgreSQL)."""
