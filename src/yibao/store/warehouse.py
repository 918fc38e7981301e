"""The analytic warehouse (分析数据仓库): Parquet files, read through Ibis on DuckDB or PySpark.

Storage is one folder per table under the warehouse root (default ``YIBAO_HOME/warehouse``), each
holding ``*.parquet`` parts; DuckDB views or Spark tables are laid over them, so batch engines
written as Ibis expressions run unchanged on either backend. Money is DECIMAL(18,2); field names
follow the national interface (国家医疗保障信息平台接口规范).

Tables (``SCHEMAS`` documents every column):

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
        "lmt_gend": "string", "lmt_child_only": "boolean", "rule_source": "string",
    }),
    "visits": ibis.schema({
        "mdtrt_id": "string", "psn_no": "string", "fixmedins_code": "string", "insutype": "string",
        "med_type": "string", "begntime": "timestamp(6)", "endtime": "timestamp(6)", "atddr_no": "string",
        "dept_code": "string", "diag_code": "string", "medfee_sumamt": MONEY,
    }),
    "cases": ibis.schema({
        "case_id": "string", "mdtrt_id": "string", "psn_no": "string", "fixmedins_code": "string",
        "insutype": "string", "gend": "int32", "age": "int32", "age_days": "int32", "nwb_bir_wt": "int32",
        "ipt_days": "int32", "dscg_way": "string", "diag_codes": "string", "oprn_codes": "string",
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
            self.con = ibis.pyspark.connect(spark_session or _local_spark())
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
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise InputError(ErrorCode.INVALID_VALUE, field=name, detail=str(exc)) from exc


def _local_spark() -> object:
    from pyspark.sql import SparkSession

    return (SparkSession.builder.master("local[1]").appName("yibao")
            .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false").getOrCreate())


def connect(backend: Backend = "duckdb", path: Path | None = None, spark_session: object | None = None) -> Warehouse:
    """Open the warehouse at ``path`` (default: the settings' ``warehouse_dir``) on a backend."""
    if path is None:
        from yibao.config import get_settings

        path = get_settings().warehouse_dir
    return Warehouse(Path(path), backend, spark_session)


__all__ = ["SCHEMAS", "Backend", "Warehouse", "arrow_schema", "connect"]
