"""Hand-made DIP test data: conformant ``cases`` and ``institutions`` tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa

from yibao.store.warehouse import SCHEMAS

_DEFAULTS = {
    "mdtrt_id": "", "psn_no": "P1", "fixmedins_code": "H1", "insutype": "310", "gend": 1, "age": 50,
    "age_days": None, "nwb_bir_wt": None, "ipt_days": 7, "dscg_way": "1", "oprn_codes": "",
    "adm_date": dt.date(2024, 3, 1), "dscg_date": dt.date(2024, 3, 8), "atddr_no": "D1", "dept_code": "01",
    "setl_year": 2024,
}


def make_cases(rows: list[dict[str, object]]) -> pa.Table:
    """A conformant ``cases`` table; each row gives at least diag_codes and medfee_sumamt."""
    full = []
    for i, row in enumerate(rows):
        r = {**_DEFAULTS, "case_id": f"C{i:06d}", **row}
        r["mdtrt_id"] = r["mdtrt_id"] or r["case_id"]
        r["medfee_sumamt"] = Decimal(str(r["medfee_sumamt"]))
        for k in range(1, 15):
            r.setdefault(f"fee_{k:02d}", Decimal(0))
        full.append(r)
    return pa.Table.from_pylist(full, schema=SCHEMAS["cases"].to_pyarrow())


def institutions(levels: dict[str, str]) -> pa.Table:
    codes = sorted(levels)
    return pa.table({
        "fixmedins_code": codes, "fixmedins_name": [f"医院{c}" for c in codes], "fixmedins_type": ["1"] * len(codes),
        "hosp_lv": [levels[c] for c in codes], "inst_kind": ["hospital"] * len(codes),
        "grassroots_flag": [False] * len(codes), "aprv_bed_cnt": pa.array([100] * len(codes), pa.int32()),
        "admdvs": ["370302"] * len(codes)})


def persons(insured_in: dict[str, str]) -> pa.Table:
    """``persons`` rows giving each person's insurance region (参保地)."""
    schema = SCHEMAS["persons"].to_pyarrow()
    rows = [{"psn_no": p, "insu_admdvs": region, "insutype": "310"} for p, region in insured_in.items()]
    return pa.Table.from_pylist(rows, schema=schema)
