"""The analytic warehouse (分析数据仓库): Parquet files, read through Ibis on DuckDB or PySpark.

Storage is one folder per table under the warehouse root (default ``YIBAO_HOME/warehouse``), each
holding ``*.parquet`` parts; DuckDB views or Spark tables are laid over them, so batch engines
written as Ibis expressions run unchanged on either backend. Money is DECIMAL(18,2); field names
follow the national interface (国家医疗保障信息平台接口规范).

Tables (``SCHEMAS`` gives every column's type, ``COLUMNS`` its meaning in Chinese):

- ``persons`` 参保人员 · ``institutions`` 定点医药机构 · ``doctors`` 医保医师 · ``catalog`` 医保目录
- ``visits`` 就诊 (every mdtrt_id, inpatient stays included as med_type 21)
- ``cases`` 住院病例 / 结算清单: the DRG grouper's input columns plus cost by med_chrgitm_type
- ``claim_items`` 费用明细 · ``settlements`` 结算结果 (filled by the settlement engine)
- ``labels`` ground truth of injected abuse (synthetic regions only)
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Literal

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

from yibao.errors import ErrorCode, InputError, NotFoundError

Backend = Literal["duckdb", "pyspark"]
MONEY = "decimal(18, 2)"
_FEES = {f"fee_{i:02d}": MONEY for i in range(1, 15)}  # cost by med_chrgitm_type 01 床位费 … 14 其他费

SCHEMAS: dict[str, ibis.Schema] = {
    "persons": ibis.schema({
        "psn_no": "string", "gend": "string", "brdy": "date", "age": "int32", "insutype": "string",
        "psn_type": "string", "psn_idet_type": "string", "insu_admdvs": "string", "insu_begn_date": "date",
        "wait_end_date": "date", "chronic_dise_codg": "string",
    }),
    "institutions": ibis.schema({
        "fixmedins_code": "string", "fixmedins_name": "string", "fixmedins_type": "string", "hosp_lv": "string",
        "inst_kind": "string", "grassroots_flag": "boolean", "aprv_bed_cnt": "int32", "admdvs": "string",
    }),
    "doctors": ibis.schema({"atddr_no": "string", "fixmedins_code": "string", "dept_code": "string"}),
    "catalog": ibis.schema({
        "med_list_codg": "string", "name": "string", "list_type": "string", "chrgitm_lv": "string",
        "med_chrgitm_type": "string", "selfpay_prop": "decimal(5, 4)", "pric": MONEY, "pric_uplmt_amt": MONEY,
        "lmt_gend": "string", "lmt_child_only": "boolean", "rule_source": "string", "day_dose": "decimal(10, 4)",
        "genname_codg": "string",
    }),
    "visits": ibis.schema({
        "mdtrt_id": "string", "psn_no": "string", "fixmedins_code": "string", "insutype": "string",
        "med_type": "string", "begntime": "timestamp(6)", "endtime": "timestamp(6)", "atddr_no": "string",
        "dept_code": "string", "diag_code": "string", "medfee_sumamt": MONEY,
    }),
    "cases": ibis.schema({
        "case_id": "string", "mdtrt_id": "string", "psn_no": "string", "fixmedins_code": "string",
        "insutype": "string", "gend": "int32", "age": "int32", "age_days": "int32", "nwb_bir_wt": "int32",
        "ipt_days": "int32", "dscg_way": "string", "icu_days": "int32", "tumor_stage": "string",
        "diag_codes": "string", "oprn_codes": "string",
        "adm_date": "date", "dscg_date": "date", "atddr_no": "string", "dept_code": "string",
        "setl_year": "int32", "medfee_sumamt": MONEY, **_FEES,
    }),
    "claim_items": ibis.schema({
        "mdtrt_id": "string", "feedetl_sn": "string", "psn_no": "string", "fixmedins_code": "string",
        "med_list_codg": "string", "list_type": "string", "chrgitm_lv": "string", "med_chrgitm_type": "string",
        "pric": MONEY, "cnt": "decimal(16, 4)", "det_item_fee_sumamt": MONEY, "fee_ocur_time": "timestamp(6)",
        "bilg_dr_codg": "string",
    }),
    "settlements": ibis.schema({
        "setl_id": "string", "mdtrt_id": "string", "psn_no": "string", "fixmedins_code": "string",
        "insutype": "string", "med_type": "string", "setl_time": "timestamp(6)",
        "medfee_sumamt": MONEY, "fulamt_ownpay_amt": MONEY, "overlmt_selfpay": MONEY, "preselfpay_amt": MONEY,
        "inscp_scp_amt": MONEY, "act_pay_dedc": MONEY, "hifp_pay": MONEY, "pool_prop_selfpay": "decimal(5, 4)",
        "cvlserv_pay": MONEY, "hifes_pay": MONEY, "hifmi_pay": MONEY, "hifob_pay": MONEY, "maf_pay": MONEY,
        "oth_pay": MONEY, "fund_pay_sumamt": MONEY, "psn_part_amt": MONEY, "acct_pay": MONEY,
        "psn_cash_pay": MONEY, "hosp_part_amt": MONEY, "balc": MONEY, "policy_version": "string",
    }),
    "labels": ibis.schema({
        "kind": "string", "level": "string", "mdtrt_id": "string", "feedetl_sn": "string", "psn_no": "string",
        "fixmedins_code": "string", "atddr_no": "string", "related_mdtrt_id": "string", "detail": "string",
        "injected": "boolean",
    }),
}

# What every column means (中文名称). Codes follow GLOSSARY.md; fee_NN is the amount of med_chrgitm_type NN.
COLUMNS: dict[str, str] = {
    "psn_no": "人员编号", "gend": "性别（1 男 2 女）", "brdy": "出生日期", "age": "年龄（当年达到的周岁）",
    "insutype": "险种类型（310 职工 / 390 居民）", "psn_type": "人员类别", "psn_idet_type": "困难人员身份（00 无 01 特困 02 低保 03 低收入 04 返贫致贫 05 脱贫）",
    "insu_admdvs": "参保地医保区划", "insu_begn_date": "参保开始日期", "wait_end_date": "待遇等待期最后一天（含），空为无等待期",
    "chronic_dise_codg": "门诊慢特病病种诊断编码", "fixmedins_code": "定点医药机构编号", "fixmedins_name": "定点医药机构名称",
    "fixmedins_type": "定点医药机构类型（1 医疗机构 2 零售药店）", "hosp_lv": "医院等级（1/2/3，药店为空）",
    "inst_kind": "机构类别（hospital 医院 / health_centre 基层卫生服务中心 / pharmacy 药店）", "grassroots_flag": "基层医疗机构标志",
    "aprv_bed_cnt": "编制床位数", "admdvs": "医保区划", "atddr_no": "医保医师代码", "dept_code": "科室代码",
    "med_list_codg": "医疗目录编码", "name": "目录名称", "list_type": "目录类别（101 西药中成药 102 中药饮片 201 医疗服务项目 301 医用耗材）",
    "chrgitm_lv": "收费项目等级（01 甲类 02 乙类 03 丙类）", "med_chrgitm_type": "医疗收费项目类别（01 床位费 … 14 其他费）",
    "selfpay_prop": "先行自付比例", "pric": "单价", "pric_uplmt_amt": "支付标准 / 最高限价（空为不限）",
    "lmt_gend": "限定性别（1 男 2 女，空为不限）", "lmt_child_only": "限儿童使用", "rule_source": "规则来源（国家两库批次）",
    "day_dose": "药品每日用量（按计价单位，如 0.25 即每日四分之一盒；用于折算带药天数，非药品为空）",
    "genname_codg": "通用名编号：同一通用名的不同剂型规格（可相互替代）共用，空为不归组",
    "mdtrt_id": "就诊ID", "med_type": "医疗类别（11 普通门诊 14 门诊慢特病 21 普通住院 41 定点药店购药）", "begntime": "开始时间",
    "endtime": "结束时间", "diag_code": "主要诊断编码", "medfee_sumamt": "医疗费总额", "case_id": "病例（结算清单）ID",
    "age_days": "年龄（天，仅不足 1 周岁）", "nwb_bir_wt": "新生儿出生体重（克）", "ipt_days": "住院天数",
    "dscg_way": "离院方式（1 医嘱离院 2 医嘱转院 3 转社区 4 非医嘱离院 5 死亡 9 其他）",
    "icu_days": "重症监护天数（结算清单重症监护合计时长折算，不足 1 天按 1 天；0 为未入重症监护室，空为未填）",
    "tumor_stage": "肿瘤分期（病案首页：0 原位癌、I–IV 期；仅 C00–D48 主要诊断有意义，空为无或未分期）",
    "diag_codes": "诊断编码，| 分隔，主要诊断在前", "oprn_codes": "手术操作编码，| 分隔，主手术在前，可为空",
    "adm_date": "入院日期", "dscg_date": "出院日期", "setl_year": "结算年度（出院年度）", "feedetl_sn": "费用明细流水号",
    "cnt": "数量", "det_item_fee_sumamt": "明细项目费用总额", "fee_ocur_time": "费用发生时间", "bilg_dr_codg": "开单医生编码",
    "setl_id": "结算ID", "setl_time": "结算时间", "fulamt_ownpay_amt": "全自费金额", "overlmt_selfpay": "超限价自费费用",
    "preselfpay_amt": "先行自付金额", "inscp_scp_amt": "符合政策范围金额", "act_pay_dedc": "实际支付起付线",
    "hifp_pay": "基本医疗保险统筹基金支出", "pool_prop_selfpay": "基本医疗保险统筹基金支付比例", "cvlserv_pay": "公务员医疗补助资金支出",
    "hifes_pay": "企业补充医疗保险基金支出", "hifmi_pay": "居民大病保险资金支出", "hifob_pay": "职工大额医疗费用补助基金支出",
    "maf_pay": "医疗救助基金支出", "oth_pay": "其他支出", "fund_pay_sumamt": "基金支付总额", "psn_part_amt": "个人负担总金额",
    "acct_pay": "个人账户支出", "psn_cash_pay": "个人现金支出", "hosp_part_amt": "医院负担金额", "balc": "个人账户余额",
    "policy_version": "政策参数包版本", "kind": "违规类型（split_hospitalisation 分解住院、upcoding 高套、low_standard_admission 低标准入院、phantom_stay 虚假住院、bed_hanging 挂床、duplicate_charge 重复收费、sex_restricted / age_restricted 限性别 / 限年龄、over_limit_price 超限价、over_prescription 超量开药、repeat_prescription 重复开药、item_substitution 项目串换、fake_patient / fake_condition / fake_receipt 虚假就医 / 虚构病情 / 虚假票据、abusive_institution / abusive_doctor 违规机构 / 医师）",
    "level": "标签层级（case / item / institution / doctor）", "related_mdtrt_id": "关联就诊ID（分解住院的前次住院）",
    "detail": "补充说明（如 added_mcc、second_stay、涉及的目录编码）", "injected": "模拟注入（真值）",
    **{f"fee_{i:02d}": f"医疗收费项目类别 {i:02d} 的金额" for i in range(1, 15)},
}


def arrow_schema(name: str) -> pa.Schema:
    """The Arrow schema of a warehouse table (what its Parquet files hold)."""
    return SCHEMAS[name].to_pyarrow()


class Warehouse:
    """Parquet tables under ``root``, exposed as Ibis tables on one backend connection."""

    def __init__(self, root: Path, backend: Backend = "duckdb", spark_session: object | None = None):
        self.root = Path(root)
        self.backend = backend
        self.root.mkdir(parents=True, exist_ok=True)
        if backend == "duckdb":
            self.con = ibis.duckdb.connect()
        elif backend == "pyspark":
            self.con = ibis.pyspark.connect(spark_session or local_spark())
        else:
            raise InputError(ErrorCode.INVALID_VALUE, field="backend", detail=f"不支持的后端：{backend}")
        self._tables: dict[str, ir.Table] = {}

    # -- reading --------------------------------------------------------------------------------
    def tables(self) -> list[str]:
        """Names of the tables that have data files."""
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and any(p.glob("*.parquet")))

    def table(self, name: str) -> ir.Table:
        """The Ibis table ``name`` (a view over its Parquet parts)."""
        if name in self._tables:
            return self._tables[name]
        folder = self.root / name
        if not folder.is_dir() or not any(folder.glob("*.parquet")):
            raise NotFoundError(ErrorCode.NOT_FOUND, field="table", detail=f"数据仓库中没有表 {name}")
        if self.backend == "duckdb":
            expr = self.con.read_parquet(str(folder / "*.parquet"), table_name=name)
        else:
            expr = self.con.read_parquet(str(folder), table_name=name)
        self._tables[name] = expr
        return expr

    # -- writing --------------------------------------------------------------------------------
    def clear(self, name: str) -> None:
        """Remove every part of a table."""
        self._tables.pop(name, None)
        shutil.rmtree(self.root / name, ignore_errors=True)

    def write(self, name: str, data: pa.Table | ir.Table, partition: str | None = None) -> Path:
        """Write ``data`` as table ``name``: all of it (``partition=None``) or one named part.

        Data is cast to the documented schema first, so a wrong column is refused before anything
        is written.
        """
        table = data.to_pyarrow() if isinstance(data, ir.Table) else data
        if name in SCHEMAS:
            table = _conform(name, table)
        folder = self.root / name
        if partition is None:
            self.clear(name)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"part-{partition or '00000'}.parquet"
        pq.write_table(table, path, compression="zstd", row_group_size=1 << 20)
        self._forget(name)
        return path

    def _forget(self, name: str) -> None:
        self._tables.pop(name, None)


def _conform(name: str, table: pa.Table) -> pa.Table:
    schema = arrow_schema(name)
    missing = [f.name for f in schema if f.name not in table.column_names]
    if missing:
        raise InputError(ErrorCode.MISSING_FIELD, field=missing[0], detail=f"表 {name}")
    try:
        return table.select(schema.names).cast(schema)
    except pa.ArrowException as exc:  # a value or a type the schema cannot take (invalid, unsupported cast)
        raise InputError(ErrorCode.INVALID_VALUE, field=name, detail=str(exc)) from exc


def local_spark(extra: dict[str, str] | None = None) -> object:
    """A local PySpark session (``local[1]``, UTC, no UI) for a laptop or the tests; ``extra`` adds
    settings. Spark keeps one session per process, so the first caller's settings stay in force."""
    from pyspark.sql import SparkSession

    builder = (SparkSession.builder.master("local[1]").appName("yibao")
               .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false"))
    for key, value in (extra or {}).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def connect(backend: Backend = "duckdb", path: Path | None = None, spark_session: object | None = None) -> Warehouse:
    """Open the warehouse at ``path`` (default: the settings' ``warehouse_dir``) on a backend."""
    if path is None:
        from yibao.config import get_settings

        path = get_settings().warehouse_dir
    return Warehouse(Path(path), backend, spark_session)


__all__ = ["COLUMNS", "SCHEMAS", "Backend", "Warehouse", "arrow_schema", "connect"]
