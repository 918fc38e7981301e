"""The 医保目录 entry: what the catalog says about one drug, service item or consumable.

Field names follow the national interface (``med_list_codg``, ``chrgitm_lv``, ``selfpay_prop``,
``pric_uplmt_amt``, ``med_chrgitm_type``). The settlement engine's catalog split reads these; the
synthetic region and catalog imports write them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum


class ListType(str, Enum):
    """目录类别 (list_type)."""

    WESTERN_DRUG = "101"  # 西药中成药
    HERBAL = "102"  # 中药饮片
    SERVICE_ITEM = "201"  # 医疗服务项目
    CONSUMABLE = "301"  # 医用耗材


class ChargeLevel(str, Enum):
    """收费项目等级 (chrgitm_lv): 甲类 fully in scope, 乙类 after 先行自付, 丙类 全自费."""

    CLASS_A = "01"
    CLASS_B = "02"
    CLASS_C = "03"

    @property
    def label(self) -> str:
        return {"01": "甲类", "02": "乙类", "03": "丙类"}[self.value]


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One catalog line.

    ``selfpay_prop`` is the 先行自付 share of a 乙类 entry (0 for 甲类; ignored for 丙类).
    ``pric_uplmt_amt`` is the payment standard or price cap per unit; the part of a unit price above
    it is 超限价自费 (``overlmt_selfpay``). ``None`` means no cap.
    ``day_dose`` is a drug's daily dose in billing units (0.25: a quarter of a box a day), which turns a
    count into days of supply; ``genname_codg`` groups the specifications of one generic drug
    (通用名编号). Both ``None`` where the catalog does not give them.
    """

    med_list_codg: str
    name: str
    list_type: ListType
    chrgitm_lv: ChargeLevel
    med_chrgitm_type: str
    selfpay_prop: Decimal = Decimal(0)
    pric_uplmt_amt: Decimal | None = None
    day_dose: Decimal | None = None
    genname_codg: str | None = None


__all__ = ["CatalogEntry", "ChargeLevel", "ListType"]
