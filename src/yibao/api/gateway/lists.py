"""4101A 结算清单上传: into the operational store, then one Parquet part of the warehouse ``cases``.

The store row is written in the message's transaction; the warehouse part (``cases/part-<setl_id>``,
replaced on re-upload) is written after the commit, so the warehouse never holds a list the store
does not. Field meanings: :mod:`yibao.store.models.setl_list`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from yibao.api.gateway.schemas import SettlementListInput
from yibao.errors import ConflictError, ErrorCode, InputError, NotFoundError, PermissionDenied
from yibao.settlement.service import Caller
from yibao.store.models import (
    SettlementList,
    SettlementListDiagnosis,
    SettlementListItem,
    SettlementListProcedure,
    SettlementStatus,
    Visit,
)
from yibao.store.uow import SqlUnitOfWork
from yibao.store.warehouse import arrow_schema


def upload_list(
    uow: SqlUnitOfWork, caller: Caller, data: SettlementListInput, warehouse_dir: object,
    after_commit: list[Callable[[], None]],
) -> dict[str, object]:
    head = data.setlinfo
    settlement = uow.settlements.get(head.setl_id)
    if settlement is None:
        raise NotFoundError(ErrorCode.NOT_FOUND, field="setlinfo.setl_id", detail=f"结算 {head.setl_id} 不存在")
    if settlement.fixmedins_code != caller.fixmedins_code:
        raise PermissionDenied(ErrorCode.FORBIDDEN, field="setlinfo.setl_id", detail="该结算不属于本机构")
    if settlement.setl_stas != SettlementStatus.NORMAL.value:
        raise ConflictError(ErrorCode.INVALID_STATE, field="setlinfo.setl_id", detail="该结算已撤销")
    if settlement.mdtrt_id != head.mdtrt_id or settlement.psn_no != head.psn_no:
        raise InputError(ErrorCode.INVALID_VALUE, field="setlinfo.mdtrt_id", detail="人员或就诊与结算不一致")
    if head.medfee_sumamt != settlement.medfee_sumamt:
        raise InputError(ErrorCode.UNBALANCED, field="setlinfo.medfee_sumamt", detail=f"结算的医疗费总额为 {settlement.medfee_sumamt}")
    if head.dscg_time < head.adm_time:
        raise InputError(ErrorCode.INVALID_VALUE, field="setlinfo.dscg_time", detail="出院时间早于入院时间")
    if sum(1 for d in data.diseinfo if d.maindiag_flag == "1") != 1:
        raise InputError(ErrorCode.INVALID_VALUE, field="diseinfo.maindiag_flag", detail="须有且只有一个主诊断")
    kinds = [i.med_chrgitm for i in data.iteminfo]
    if len(set(kinds)) != len(kinds):
        raise InputError(ErrorCode.INVALID_VALUE, field="iteminfo.med_chrgitm", detail="收费项目类别重复")
    row = SettlementList(
        setl_id=head.setl_id, mdtrt_id=head.mdtrt_id, psn_no=head.psn_no, fixmedins_code=caller.fixmedins_code,
        insutype=settlement.insutype, gend=head.gend, age=head.age, nwb_age=head.nwb_age, nwb_bir_wt=head.nwb_bir_wt,
        nwb_adm_wt=head.nwb_adm_wt, adm_time=head.adm_time, dscg_time=head.dscg_time, act_ipt_days=head.act_ipt_days,
        adm_caty=head.adm_caty, dscg_caty=head.dscg_caty, dscg_way=head.dscg_way, medfee_sumamt=head.medfee_sumamt,
        diagnoses=[
            SettlementListDiagnosis(diag_srt_no=n, diag_code=d.diag_code, diag_name=d.diag_name,
                                    maindiag_flag=d.maindiag_flag == "1", adm_cond_type=d.adm_cond_type)
            for n, d in enumerate(data.diseinfo, start=1)
        ],
        procedures=[
            SettlementListProcedure(oprn_srt_no=n, oprn_oprt_code=p.oprn_oprt_code, oprn_oprt_name=p.oprn_oprt_name,
                                    oprn_oprt_date=p.oprn_oprt_date, main_oprn_flag=p.main_oprn_flag == "1")
            for n, p in enumerate(data.oprninfo, start=1)
        ],
        items=[
            SettlementListItem(med_chrgitm_type=i.med_chrgitm, amt=i.amt, claa_sumfee=i.claa_sumfee, clab_amt=i.clab_amt,
                               fulamt_ownpay_amt=i.fulamt_ownpay_amt, oth_amt=i.oth_amt)
            for i in data.iteminfo
        ],
    )
    uow.setl_lists.put(row)
    if warehouse_dir is not None:
        visit = uow.session.get(Visit, head.mdtrt_id)
        case = _case_row(data, caller.fixmedins_code, settlement.insutype, settlement.setl_time.year, visit)
        after_commit.append(lambda: _write_case(Path(str(warehouse_dir)), head.setl_id, case))
    return {"setl_list_id": head.setl_id}


def icu_days(data: SettlementListInput) -> int:
    """重症监护天数: the ``icuinfo`` stays' total time in days, a started day counting whole (0: none)."""
    seconds = sum((i.scs_cutd_exit_time - i.scs_cutd_inpool_time).total_seconds() for i in data.icuinfo)
    return math.ceil(seconds / 86_400)


def _case_row(data: SettlementListInput, code: str, insutype: str, year: int, visit: Visit | None) -> dict[str, object]:
    """The warehouse ``cases`` row of a list. 肿瘤分期 is not a 4101A field: ``tumor_stage`` stays empty."""
    head = data.setlinfo
    diagnoses = sorted(data.diseinfo, key=lambda d: d.maindiag_flag != "1")
    procedures = sorted(data.oprninfo, key=lambda p: p.main_oprn_flag != "1")
    fees = {f"fee_{k:02d}": Decimal("0.00") for k in range(1, 15)}
    for item in data.iteminfo:
        fees[f"fee_{item.med_chrgitm}"] = item.amt
    return {
        "case_id": head.setl_id, "mdtrt_id": head.mdtrt_id, "psn_no": head.psn_no, "fixmedins_code": code,
        "insutype": insutype, "gend": int(head.gend), "age": head.age, "age_days": head.nwb_age,
        "nwb_bir_wt": head.nwb_bir_wt, "ipt_days": head.act_ipt_days, "dscg_way": head.dscg_way,
        "icu_days": icu_days(data), "tumor_stage": None,
        "diag_codes": ",".join(d.diag_code for d in diagnoses), "oprn_codes": ",".join(p.oprn_oprt_code for p in procedures),
        "adm_date": head.adm_time.date(), "dscg_date": head.dscg_time.date(),
        "atddr_no": visit.atddr_no if visit else None, "dept_code": visit.dept_code if visit else None,
        "setl_year": year, "medfee_sumamt": head.medfee_sumamt, **fees,
    }


def _write_case(root: Path, setl_id: str, case: dict[str, object]) -> None:
    folder = root / "cases"
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist([case], schema=arrow_schema("cases"))
    part = folder / f"part-{setl_id}.parquet"
    scratch = folder / f".part-{setl_id}.tmp"
    pq.write_table(table, scratch, compression="zstd")
    scratch.replace(part)  # atomic: a reader sees the old part or the new one, never half


__all__ = ["upload_list"]
