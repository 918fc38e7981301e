"""``yibao policy validate|show|diff``: policy packs for bureau staff (a pack is a bundled id or a .toml path)."""

from __future__ import annotations

import typer
from rich.table import Table

from yibao.cli._common import console, handle_errors
from yibao.policy.diff import diff as diff_packs
from yibao.policy.diff import flatten
from yibao.policy.loader import bundled_packs, load_pack

app = typer.Typer(no_args_is_help=True, help="政策参数包：校验、查看、比较（PACK 为内置包编号或 .toml 文件路径）")


def _assumption_for(path: str, notes: dict[str, str]) -> str:
    """The note on the parameter itself, else the note of its nearest enclosing table."""
    probe = path
    while probe:
        if probe in notes:
            return notes[probe]
        probe = probe.rpartition(".")[0]
    return ""


@app.command("validate", help="校验政策参数包（不合规时列出出错的参数路径）")
def validate(packs: list[str] = typer.Argument(None, help="内置包编号或 .toml 路径；不给则校验全部内置包")) -> None:
    with handle_errors():
        loaded = [load_pack(p) for p in packs] if packs else list(bundled_packs())
        for pack in loaded:
            assumed = sum(1 for note in pack.assumptions.values() if note.startswith("假设"))
            console.print(
                f"[green]✓[/green] {pack.pack_id} 版本 {pack.version}（{pack.region_name}，"
                f"{pack.valid_from}～{pack.valid_to}）校验通过；标注为假设的参数 {assumed} 处"
            )


@app.command("list", help="列出内置政策参数包")
def list_packs() -> None:
    table = Table(title="内置政策参数包")
    for column in ("编号", "版本", "地区", "区划代码", "生效期", "险种"):
        table.add_column(column)
    for pack in bundled_packs():
        table.add_row(pack.pack_id, pack.version, pack.region_name, pack.admdvs, f"{pack.valid_from}～{pack.valid_to}", "、".join(pack.insutype))
    console.print(table)


@app.command("show", help="逐项显示政策参数，标明来源与假设")
def show(
    pack: str = typer.Argument(..., help="内置包编号或 .toml 路径"),
    grep: str = typer.Option("", "--grep", "-g", help="只显示路径中含此文字的参数"),
) -> None:
    with handle_errors():
        loaded = load_pack(pack)
    table = Table(title=f"{loaded.title}（{loaded.pack_id} 版本 {loaded.version}）")
    table.add_column("参数路径", style="cyan")
    table.add_column("取值", justify="right")
    table.add_column("来源 / 假设")
    for path, value in flatten(loaded).items():
        if grep and grep not in path:
            continue
        note = _assumption_for(path, loaded.assumptions)
        style = "yellow" if note.startswith("假设") else ""
        table.add_row(path, value, f"[{style}]{note}[/{style}]" if style else note)
    console.print(table)


@app.command("diff", help="比较两个政策参数包，列出变化的参数")
def diff(a: str = typer.Argument(..., help="原政策包"), b: str = typer.Argument(..., help="新政策包")) -> None:
    with handle_errors():
        old, new = load_pack(a), load_pack(b)
    changes = diff_packs(old, new)
    if not changes:
        console.print(f"{old.pack_id} 与 {new.pack_id} 参数完全相同")
        return
    table = Table(title=f"{old.pack_id} → {new.pack_id}：{len(changes)} 项参数变化")
    table.add_column("参数路径", style="cyan")
    table.add_column("变化")
    table.add_column(old.pack_id, justify="right")
    table.add_column(new.pack_id, justify="right")
    for change in changes:
        table.add_row(change.path, change.kind, change.old or "—", change.new or "—")
    console.print(table)
