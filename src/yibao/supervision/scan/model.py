"""The shape of a post-event lead (事后监管线索) as the scans return it, before it is stored.

Every detector — a national rule kind vectorised, or a local rule — hands back an Ibis table with
exactly these columns, so the scan is one ``union`` and the store sees one shape.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

LEAD_SCHEMA = ibis.schema({
    "rule_id": "string",  # 规则编码 (national NHSA-… or local LOCAL-…)
    "pattern": "string",  # 违规类型 (the label kinds of the synthetic region use the same words)
    "level": "string",  # 线索层级: case 病例 / item 明细
    "mdtrt_id": "string",
    "feedetl_sn": "string",  # item leads only
    "related_mdtrt_id": "string",  # e.g. the earlier stay of a split hospitalisation
    "psn_no": "string",
    "fixmedins_code": "string",
    "atddr_no": "string",
    "amount": "decimal(18, 2)",  # 涉及金额 (yuan)
    "evidence": "string",  # 证据: the facts that met the rule, in Chinese
    "trace": "string",  # 规则轨迹: rule, entry / parameters version and the thresholds applied
})

# Pattern words (违规类型); the synthetic region names its ground-truth labels with them too.
PATTERN_NAMES: dict[str, str] = {
    "split_hospitalisation": "分解住院",
    "upcoding": "高套分值",
    "low_standard_admission": "低标准入院",
    "phantom_stay": "虚假住院",
    "bed_hanging": "挂床住院",
    "duplicate_charge": "重复收费",
    "sex_restricted": "限定性别",
    "age_restricted": "限定年龄",
    "over_limit_price": "超标准收费",
    "insutype_restricted": "限定险种",
    "setting_restricted": "限定就医方式",
    "level_restricted": "限定机构等级",
    "over_frequency": "超频次",
    "working_age": "限就业年龄",
    "over_period": "超周期频次",
    "over_course": "超支付疗程",
    "secondary_operation": "主次手术未折价",
    "over_prescription": "超量开药",
    "repeat_prescription": "重复开药",
    "fake_patient": "虚假就医（一卡多处）",
    "fake_condition": "虚构病情（无登记慢特病）",
    "fake_receipt": "虚假票据（明细与就诊不符）",
    "item_substitution": "项目串换（高价规格替代）",
}


def conform(t: ir.Table) -> ir.Table:
    """``t`` with exactly the lead columns, in order and cast (missing ones null)."""
    cols = {}
    for name, dtype in LEAD_SCHEMA.items():
        cols[name] = t[name].cast(dtype) if name in t.columns else ibis.null(dtype)
    return t.select(**cols)


def money(value: ir.NumericValue) -> ir.DecimalValue:
    return value.cast("decimal(18, 2)")


def text(value: ir.Value, digits: int = 2) -> ir.StringValue:
    """A number as text for evidence, the same on every backend (decimal, fixed digits)."""
    return value.cast(f"decimal(18, {digits})").cast("string")


__all__ = ["LEAD_SCHEMA", "PATTERN_NAMES", "conform", "money", "text"]
