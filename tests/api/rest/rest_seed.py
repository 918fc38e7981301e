"""Seed rows for the REST tests: one region, two hospitals, their users, persons, visits, settlements."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from yibao.store.models import (
    Institution,
    Person,
    PoolingRegion,
    Settlement,
    SettlementDetail,
    SettlementList,
    SettlementListDiagnosis,
    SettlementListItem,
    User,
    Visit,
)
from yibao.store.protect import hash_password
from yibao.store.uow import SqlUnitOfWork

ADMDVS = "440784"  # 鹤山, whose bundled pack covers 2021
H_A, H_B = "H44078400001", "H44078400002"
PASSWORD = "correct horse battery staple"
USERS = {
    "admin": ("admin", None),
    "payment_analyst": ("payment_analyst", None),
    "auditor": ("auditor", None),
    "read_only": ("read_only", None),
    "institution": ("institution", H_A),
    "institution_b": ("institution", H_B),
}
ROLES = ("admin", "payment_analyst", "auditor", "read_only", "institution")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def certno(region: str, birth: date, seq: int) -> str:
    """A resident ID number with a correct check character."""
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


CERT_A = certno(ADMDVS, date(1980, 5, 17), 123)


def hospital(code: str, name: str) -> Institution:
    return Institution(fixmedins_code=code, fixmedins_name=name, hosp_lv=2, admdvs=ADMDVS, agre_begndate=date(2021, 1, 1))


def person(psn_no: str) -> Person:
    return Person(psn_no=psn_no, psn_name="李四", gend="2", brdy=date(1980, 5, 17), psn_type="15", insuplc_admdvs=ADMDVS)


def visit(mdtrt_id: str, psn_no: str, code: str) -> Visit:
    return Visit(
        mdtrt_id=mdtrt_id, psn_no=psn_no, fixmedins_code=code, insutype="390", med_type="21",
        begntime=datetime(2021, 3, 1, 9), endtime=datetime(2021, 3, 5, 9), mdtrt_stas="2",
    )


def settlement(setl_id: str, mdtrt_id: str, psn_no: str, code: str, when: datetime, sign: int = 1, **extra: object) -> Settlement:
    def m(text: str) -> Decimal:
        return Decimal(text) * sign

    return Settlement(
        setl_id=setl_id, mdtrt_id=mdtrt_id, psn_no=psn_no, fixmedins_code=code, insutype="390", med_type="21",
        setl_time=when, medfee_sumamt=m("1000.00"), inscp_scp_amt=m("900.00"), hifp_pay=m("500.00"),
        maf_pay=m("100.00"), fund_pay_sumamt=m("600.00"), psn_part_amt=m("400.00"), psn_cash_pay=m("400.00"),
        policy_pack_id="heshan-2021", policy_pack_version="2021.1",
        details=[
            SettlementDetail(fund_pay_type="390100", fund_payamt=m("500.00")),
            SettlementDetail(fund_pay_type="610100", fund_payamt=m("100.00")),
        ],
        **extra,
    )


def settlement_list(setl_id: str, mdtrt_id: str, psn_no: str, code: str) -> SettlementList:
    return SettlementList(
        setl_id=setl_id, mdtrt_id=mdtrt_id, psn_no=psn_no, fixmedins_code=code, insutype="390", gend="2", age=40,
        adm_time=datetime(2021, 3, 1, 9), dscg_time=datetime(2021, 3, 5, 9), act_ipt_days=4, dscg_way="1",
        medfee_sumamt=Decimal("1000.00"),
        diagnoses=[SettlementListDiagnosis(diag_srt_no=1, diag_code="J18.900", maindiag_flag=True)],
        items=[SettlementListItem(med_chrgitm_type="09", amt=Decimal("1000.00"))],
    )


def seed(uow: SqlUnitOfWork) -> None:
    """Both hospitals settle in March 2021; hospital A's second settlement is reversed in April."""
    uow.regions.add(PoolingRegion(admdvs=ADMDVS, admdvs_name="鹤山市"))
    uow.institutions.add(hospital(H_A, "鹤山市人民医院"))
    uow.institutions.add(hospital(H_B, "鹤山市中医院"))
    uow.flush()
    uow.persons.add(person("PA"), CERT_A)
    uow.persons.add(person("PB"), certno(ADMDVS, date(1975, 2, 3), 456))
    for mdtrt_id, psn_no, code in (("VA1", "PA", H_A), ("VA2", "PA", H_A), ("VB1", "PB", H_B)):
        uow.visits.add(visit(mdtrt_id, psn_no, code))
    uow.flush()
    uow.settlements.add(settlement("SA1", "VA1", "PA", H_A, datetime(2021, 3, 10, 10)))
    uow.settlements.add(settlement("SA2", "VA2", "PA", H_A, datetime(2021, 3, 20, 10), setl_stas="0"))
    uow.settlements.add(settlement("SB1", "VB1", "PB", H_B, datetime(2021, 3, 12, 10)))
    uow.flush()
    uow.settlements.add(
        settlement("SA2R", "VA2", "PA", H_A, datetime(2021, 4, 2, 10), sign=-1, setl_stas="2", init_setl_id="SA2")
    )
    uow.setl_lists.put(settlement_list("SA1", "VA1", "PA", H_A))
    uow.setl_lists.put(settlement_list("SB1", "VB1", "PB", H_B))
    # One argon2 hash for every seeded user: hashing is slow by design, and these users share a password.
    password_hash = hash_password(PASSWORD)
    roles = {role.role_code: role for role in uow.users.roles()}
    for username, (role, code) in USERS.items():
        uow.session.add(
            User(username=username, display_name=username, password_hash=password_hash, fixmedins_code=code, roles=[roles[role]])
        )
