"""Resilience suite: real gunicorn servers, a private Redis, SQLite and PostgreSQL, faults injected."""
