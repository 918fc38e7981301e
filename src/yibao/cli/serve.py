"""Placeholder command; its owner replaces this module."""


def serve() -> None:
    """Not yet built."""
