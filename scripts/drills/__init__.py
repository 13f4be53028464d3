"""Lodestar's fault drills (issue 13): real PostgreSQL, Redis, Celery workers and beat,
gunicorn and an SMTP server on loopback, with a fault injected into one of them.

Each ``drill_<n>_<name>.py`` module has ``main() -> int`` (0: passed) and prints what it
injected and what was received; ``python -m scripts.drills`` (``make drills``) runs them
all in name order. See docs/drills.md.
"""
