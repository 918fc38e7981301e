"""Benefit policy as data (政策参数包): schema, loader, registry of bundled packs, diff."""

from yibao.policy.loader import bundled_pack, bundled_packs, load_pack, pack_in_force, parse_pack
from yibao.policy.schema import PolicyPack

__all__ = ["PolicyPack", "bundled_pack", "bundled_packs", "load_pack", "pack_in_force", "parse_pack"]
