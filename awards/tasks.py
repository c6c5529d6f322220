"""Celery tasks of this app (autodiscovered)."""
