"""Placeholder command; its owner replaces this module."""


def synth() -> None:
    """Not yet built."""
