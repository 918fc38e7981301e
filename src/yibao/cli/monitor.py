"""Placeholder sub-app; its owner replaces this module."""

import typer

app = typer.Typer(no_args_is_help=True)
