"""Errors a user can meet when a scene cannot be read."""

from __future__ import annotations


class SceneError(Exception):
    """A file that is not a readable Maya scene; the message says what to do next."""
