"""Placeholder command; its owner replaces this module."""


def settle() -> None:
    """Not yet built."""
