"""Placeholder command; its owner replaces this module."""


def demo() -> None:
    """Not yet built."""
