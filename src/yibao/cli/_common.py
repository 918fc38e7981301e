"""What every command shares: the Chinese console, progress bars, and the one error handler."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from yibao.errors import YibaoError

console = Console()
err_console = Console(stderr=True)


def progress() -> Progress:
    """A Rich progress bar in Chinese columns; use as a context manager."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("已用"),
        TimeElapsedColumn(),
        TextColumn("剩余"),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
    )


@contextmanager
def handle_errors() -> Iterator[None]:
    """Map a YibaoError to a Chinese message and exit code 2, with its stable code."""
    try:
        yield
    except YibaoError as exc:
        err_console.print(f"[red]错误 {exc.code.value}[/red]：{exc.message}")
        raise typer.Exit(code=2) from exc
