"""Small, valid rows for store tests: one region, one hospital, one person, one stay, one settlement."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from yibao.store.models import (
    CoveragePeriod,
    FeeDetail,
    HardshipIdentity,
    Institution,
    Person,
    PersonIdentity,
    PoolingRegion,
    Settlement,
    SettlementDetail,
    SettlementList,
    SettlementListDiagnosis,
    SettlementListItem,
    SettlementListProcedure,
    Visit,
    VisitDiagnosis,
)
from yibao.store.uow import SqlUnitOfWork

ADMDVS = "330900"
HOSPITAL = "H33090200001"
PSN_NO = "33090000000000000001"
CERTNO = "33090219900101123X"
MDTRT_ID = "MD202401150001"
SETL_ID = "ST202401200001"


def region() -> PoolingRegion:
    return PoolingRegion(admdvs=ADMDVS, admdvs_name="舟山市")


def hospital(code: str = HOSPITAL) -> Institution:
    return Institution(
        fixmedins_code=code,
        fixmedins_name="舟山市人民医院",
        hosp_lv=3,
        admdvs=ADMDVS,
        aprv_bed_cnt=1200,
        open_bed_cnt=1150,
        hi_agre_bed_cnt=1100,
        agre_begndate=date(2024, 1, 1),
    )


def person(psn_no: str = PSN_NO) -> Person:
    return Person(
        psn_no=psn_no,
        psn_name="张三",
        gend="1",
        brdy=date(1990, 1, 1),
        psn_type="15",
        insuplc_admdvs=ADMDVS,
        identities=[
            PersonIdentity(
                psn_idet_type=HardshipIdentity.SUBSISTENCE_ALLOWANCE.value,
                begndate=date(2023, 3, 1),
                enddate=date(2024, 2, 29),
            ),
            PersonIdentity(psn_idet_type=HardshipIdentity.LOW_INCOME.value, begndate=date(2024, 3, 1)),
        ],
        coverage_periods=[
            CoveragePeriod(
                insutype="390",
                begndate=date(2024, 1, 1),
                enddate=date(2024, 12, 31),
                psn_insu_date=date(2023, 11, 20),
                psn_clct_amt=Decimal("0.00"),
                subs_clct_amt=Decimal("400.00"),
                subs_flag=True,
                subs_src="医疗救助基金",
            )
        ],
    )


def visit(mdtrt_id: str = MDTRT_ID, psn_no: str = PSN_NO) -> Visit:
    return Visit(
        mdtrt_id=mdtrt_id,
        psn_no=psn_no,
        fixmedins_code=HOSPITAL,
        insutype="390",
        med_type="21",
        begntime=datetime(2024, 1, 15, 9, 30),
        endtime=datetime(2024, 1, 20, 10, 0),
        dept_code="A03",
        atddr_no="D330900001",
        mdtrt_stas="2",
        diagnoses=[VisitDiagnosis(diag_srt_no=1, diag_code="J18.900", diag_name="肺炎", maindiag_flag=True)],
        fee_details=[
            FeeDetail(
                feedetl_sn="F0001",
                med_list_codg="XJ01DDC271A001010104023",
                pric=Decimal("12.345678"),
                cnt=Decimal("3.5000"),
                det_item_fee_sumamt=Decimal("43.21"),
                chrgitm_lv="02",
                med_chrgitm_type="09",
                fee_ocur_time=datetime(2024, 1, 16, 8, 0),
                bilg_dr_codg="D330900001",
            )
        ],
    )


def settlement(setl_id: str = SETL_ID, *, msgid: str | None = "H3309020000120240120100000001") -> Settlement:
    """A balanced settlement: 8 765.43 = 6 000.12 (fund) + 2 765.31 (person)."""
    return Settlement(
        setl_id=setl_id,
        mdtrt_id=MDTRT_ID,
        psn_no=PSN_NO,
        fixmedins_code=HOSPITAL,
        insutype="390",
        med_type="21",
        psn_type="15",
        setl_time=datetime(2024, 1, 20, 10, 5, 30),
        medfee_sumamt=Decimal("8765.43"),
        fulamt_ownpay_amt=Decimal("100.01"),
        preselfpay_amt=Decimal("200.02"),
        inscp_scp_amt=Decimal("8465.40"),
        act_pay_dedc=Decimal("800.00"),
        hifp_pay=Decimal("5500.11"),
        pool_prop_selfpay=Decimal("0.650000"),
        hifmi_pay=Decimal("300.00"),
        maf_pay=Decimal("200.01"),
        fund_pay_sumamt=Decimal("6000.12"),
        psn_part_amt=Decimal("2765.31"),
        psn_cash_pay=Decimal("2765.31"),
        msgid=msgid,
        policy_pack_id="zhoushan-2024",
        policy_pack_version="2024.1",
        trace=[{"step": "threshold", "param": "dedc_std", "base": "8465.40", "amount": "800.00"}],
        details=[
            SettlementDetail(
                fund_pay_type="390100",
                fund_pay_type_name="城乡居民基本医疗保险基金",
                inscp_scp_amt=Decimal("8465.40"),
                crt_payb_lmt_amt=Decimal("150000.00"),
                fund_payamt=Decimal("5500.11"),
                setl_proc_info="(8465.40-800.00)*0.7175",
            ),
            SettlementDetail(fund_pay_type="390200", fund_payamt=Decimal("300.00")),
            SettlementDetail(fund_pay_type="610100", fund_payamt=Decimal("200.01")),
        ],
    )


def settlement_list(setl_id: str = SETL_ID) -> SettlementList:
    return SettlementList(
        setl_id=setl_id,
        mdtrt_id=MDTRT_ID,
        psn_no=PSN_NO,
        fixmedins_code=HOSPITAL,
        insutype="390",
        gend="1",
        age=34,
        adm_time=datetime(2024, 1, 15, 9, 30),
        dscg_time=datetime(2024, 1, 20, 10, 0),
        act_ipt_days=5,
        dscg_way="1",
        medfee_sumamt=Decimal("8765.43"),
        diagnoses=[
            SettlementListDiagnosis(diag_srt_no=1, diag_code="J18.900", maindiag_flag=True, adm_cond_type="1"),
            SettlementListDiagnosis(diag_srt_no=2, diag_code="I10.x00", maindiag_flag=False, adm_cond_type="1"),
        ],
        procedures=[
            SettlementListProcedure(
                oprn_srt_no=1, oprn_oprt_code="33.2400", oprn_oprt_date=date(2024, 1, 16), main_oprn_flag=True
            )
        ],
        items=[
            SettlementListItem(med_chrgitm_type="01", amt=Decimal("250.00"), claa_sumfee=Decimal("250.00")),
            SettlementListItem(
                med_chrgitm_type="09",
                amt=Decimal("8515.43"),
                claa_sumfee=Decimal("8000.00"),
                clab_amt=Decimal("415.42"),
                fulamt_ownpay_amt=Decimal("100.01"),
            ),
        ],
    )


def seed_reference(uow: SqlUnitOfWork) -> None:
    """Region, hospital, person (with certno) and the stay — what a settlement refers to."""
    uow.regions.add(region())
    uow.institutions.add(hospital())
    uow.persons.add(person(), CERTNO)
    uow.visits.add(visit())
