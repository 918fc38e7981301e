"""Initial operational store: regions, institutions, persons, coverage, visits, ledger, lists, users.

Revision ID: 0001_initial
Revises:
Create Date: 2025-01-01

Money columns use :class:`yibao.store.types.ExactDecimal` — NUMERIC(18,2) on PostgreSQL, integer
fen on SQLite. Constraint names follow ``Base.metadata``'s naming convention. The five roles are
seeded here because the application refers to them by code.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from yibao.store.types import ExactDecimal

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

ROLES = [
    {"role_code": "admin", "role_name": "管理员"},
    {"role_code": "payment_analyst", "role_name": "支付分析员"},
    {"role_code": "auditor", "role_name": "稽核员"},
    {"role_code": "read_only", "role_name": "只读"},
    {"role_code": "institution", "role_name": "定点机构用户"},
]


def _money(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, ExactDecimal(18, 2), nullable=nullable)


def _code(name: str, length: int, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length), nullable=nullable)


def _serial() -> sa.Column:
    return sa.Column("id", sa.Integer(), autoincrement=True, nullable=False)


def _fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=f"fk_{table}_{column}_{referred}", ondelete=ondelete)


def _index(table: str, *columns: str) -> None:
    op.create_index(f"ix_{table}_{'_'.join(columns)}", table, list(columns), unique=False)


def upgrade() -> None:
    _reference()
    _people()
    _visits()
    _ledger()
    _settlement_lists()
    _users()


def _reference() -> None:
    op.create_table(
        "pooling_region",
        _code("admdvs", 6),
        sa.Column("admdvs_name", sa.String(100), nullable=False),
        _code("prnt_admdvs", 6, nullable=True),
        _fk("pooling_region", "prnt_admdvs", "pooling_region.admdvs"),
        sa.PrimaryKeyConstraint("admdvs", name="pk_pooling_region"),
    )
    op.create_table(
        "institution",
        _code("fixmedins_code", 30),
        sa.Column("fixmedins_name", sa.String(200), nullable=False),
        _code("fixmedins_type", 1),
        sa.Column("hosp_lv", sa.SmallInteger(), nullable=True),
        sa.Column("grassroots_flag", sa.Boolean(), nullable=False),
        _code("admdvs", 6),
        sa.Column("aprv_bed_cnt", sa.Integer(), nullable=False),
        sa.Column("open_bed_cnt", sa.Integer(), nullable=False),
        sa.Column("hi_agre_bed_cnt", sa.Integer(), nullable=False),
        _code("agre_stas", 1),
        sa.Column("agre_begndate", sa.Date(), nullable=True),
        sa.Column("agre_enddate", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("hosp_lv IN (1, 2, 3)", name="ck_institution_hosp_lv"),
        sa.CheckConstraint("fixmedins_type IN ('1', '2')", name="ck_institution_fixmedins_type"),
        sa.CheckConstraint("agre_stas IN ('1', '2', '3')", name="ck_institution_agre_stas"),
        sa.CheckConstraint(
            "aprv_bed_cnt >= 0 AND open_bed_cnt >= 0 AND hi_agre_bed_cnt >= 0",
            name="ck_institution_bed_cnt_non_negative",
        ),
        _fk("institution", "admdvs", "pooling_region.admdvs"),
        sa.PrimaryKeyConstraint("fixmedins_code", name="pk_institution"),
    )
    _index("institution", "admdvs")


def _people() -> None:
    op.create_table(
        "person",
        _code("psn_no", 30),
        sa.Column("psn_name", sa.String(50), nullable=False),
        _code("psn_cert_type", 3),
        sa.Column("certno_cipher", sa.String(400), nullable=False),
        sa.Column("certno_index", sa.String(64), nullable=False),
        sa.Column("certno_mask", sa.String(50), nullable=False),
        _code("gend", 1),
        sa.Column("brdy", sa.Date(), nullable=False),
        _code("psn_type", 6),
        _code("insuplc_admdvs", 6),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("gend IN ('1', '2', '9')", name="ck_person_gend"),
        _fk("person", "insuplc_admdvs", "pooling_region.admdvs"),
        sa.PrimaryKeyConstraint("psn_no", name="pk_person"),
        sa.UniqueConstraint("certno_index", name="uq_person_certno_index"),
    )
    _index("person", "insuplc_admdvs")
    op.create_table(
        "person_identity",
        _serial(),
        _code("psn_no", 30),
        _code("psn_idet_type", 2),
        sa.Column("begndate", sa.Date(), nullable=False),
        sa.Column("enddate", sa.Date(), nullable=True),
        sa.Column("memo", sa.String(200), nullable=True),
        sa.CheckConstraint("enddate IS NULL OR enddate >= begndate", name="ck_person_identity_period"),
        _fk("person_identity", "psn_no", "person.psn_no", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_person_identity"),
        sa.UniqueConstraint(
            "psn_no", "psn_idet_type", "begndate", name="uq_person_identity_psn_no_psn_idet_type_begndate"
        ),
    )
    _index("person_identity", "psn_no")
    op.create_table(
        "coverage_period",
        _serial(),
        _code("psn_no", 30),
        _code("insutype", 6),
        sa.Column("begndate", sa.Date(), nullable=False),
        sa.Column("enddate", sa.Date(), nullable=True),
        sa.Column("psn_insu_date", sa.Date(), nullable=False),
        _money("psn_clct_amt"),
        _money("subs_clct_amt"),
        sa.Column("subs_flag", sa.Boolean(), nullable=False),
        sa.Column("subs_src", sa.String(50), nullable=True),
        sa.Column("wait_enddate", sa.Date(), nullable=True),
        _code("psn_insu_stas", 1),
        sa.CheckConstraint("enddate IS NULL OR enddate >= begndate", name="ck_coverage_period_period"),
        sa.CheckConstraint("psn_insu_stas IN ('1', '2')", name="ck_coverage_period_psn_insu_stas"),
        _fk("coverage_period", "psn_no", "person.psn_no", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_coverage_period"),
        sa.UniqueConstraint("psn_no", "insutype", "begndate", name="uq_coverage_period_psn_no_insutype_begndate"),
    )
    _index("coverage_period", "psn_no")


def _visits() -> None:
    op.create_table(
        "mdtrt",
        _code("mdtrt_id", 30),
        _code("psn_no", 30),
        _code("fixmedins_code", 30),
        _code("insutype", 6),
        _code("med_type", 6),
        sa.Column("begntime", sa.DateTime(), nullable=False),
        sa.Column("endtime", sa.DateTime(), nullable=True),
        _code("dept_code", 30, nullable=True),
        sa.Column("dept_name", sa.String(100), nullable=True),
        _code("atddr_no", 30, nullable=True),
        _code("mdtrt_stas", 1),
        sa.CheckConstraint("mdtrt_stas IN ('0', '1', '2')", name="ck_mdtrt_mdtrt_stas"),
        _fk("mdtrt", "psn_no", "person.psn_no"),
        _fk("mdtrt", "fixmedins_code", "institution.fixmedins_code"),
        sa.PrimaryKeyConstraint("mdtrt_id", name="pk_mdtrt"),
    )
    _index("mdtrt", "psn_no")
    _index("mdtrt", "fixmedins_code")
    op.create_table(
        "mdtrt_diagnosis",
        _serial(),
        _code("mdtrt_id", 30),
        sa.Column("diag_srt_no", sa.Integer(), nullable=False),
        _code("diag_code", 20),
        sa.Column("diag_name", sa.String(200), nullable=True),
        sa.Column("maindiag_flag", sa.Boolean(), nullable=False),
        _fk("mdtrt_diagnosis", "mdtrt_id", "mdtrt.mdtrt_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_mdtrt_diagnosis"),
        sa.UniqueConstraint("mdtrt_id", "diag_srt_no", name="uq_mdtrt_diagnosis_mdtrt_id_diag_srt_no"),
    )
    op.create_table(
        "feedetl",
        _serial(),
        _code("mdtrt_id", 30),
        _code("feedetl_sn", 30),
        _code("med_list_codg", 50),
        _code("medins_list_codg", 150, nullable=True),
        sa.Column("pric", ExactDecimal(18, 6), nullable=False),
        sa.Column("cnt", ExactDecimal(16, 4), nullable=False),
        _money("det_item_fee_sumamt"),
        _code("chrgitm_lv", 3, nullable=True),
        _code("med_chrgitm_type", 6),
        sa.Column("fee_ocur_time", sa.DateTime(), nullable=False),
        _code("bilg_dr_codg", 30, nullable=True),
        _code("bilg_dept_codg", 30, nullable=True),
        _fk("feedetl", "mdtrt_id", "mdtrt.mdtrt_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_feedetl"),
        sa.UniqueConstraint("mdtrt_id", "feedetl_sn", name="uq_feedetl_mdtrt_id_feedetl_sn"),
    )
    _index("feedetl", "med_list_codg")


_SETL_AMOUNTS = (
    "fulamt_ownpay_amt",
    "overlmt_selfpay",
    "preselfpay_amt",
    "inscp_scp_amt",
    "act_pay_dedc",
    "hifp_pay",
)
_SETL_FUNDS = ("cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay", "maf_pay", "oth_pay")
_SETL_TOTALS = ("fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay", "hosp_part_amt")


def _ledger() -> None:
    op.create_table(
        "setl",
        _code("setl_id", 30),
        _code("mdtrt_id", 30),
        _code("psn_no", 30),
        _code("fixmedins_code", 30),
        _code("insutype", 6),
        _code("med_type", 6),
        _code("psn_type", 6, nullable=True),
        sa.Column("setl_time", sa.DateTime(), nullable=False),
        _money("medfee_sumamt"),
        *(_money(name) for name in _SETL_AMOUNTS),
        sa.Column("pool_prop_selfpay", ExactDecimal(7, 6), nullable=True),
        *(_money(name) for name in _SETL_FUNDS),
        *(_money(name) for name in _SETL_TOTALS),
        _money("balc", nullable=True),
        _code("setl_stas", 1),
        _code("init_setl_id", 30, nullable=True),
        _code("msgid", 30, nullable=True),
        sa.Column("policy_pack_id", sa.String(100), nullable=False),
        sa.Column("policy_pack_version", sa.String(50), nullable=False),
        sa.Column("trace", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("setl_stas IN ('0', '1', '2')", name="ck_setl_setl_stas"),
        sa.CheckConstraint(
            "medfee_sumamt = fund_pay_sumamt + psn_part_amt + hosp_part_amt", name="ck_setl_balanced"
        ),
        _fk("setl", "mdtrt_id", "mdtrt.mdtrt_id"),
        _fk("setl", "psn_no", "person.psn_no"),
        _fk("setl", "fixmedins_code", "institution.fixmedins_code"),
        _fk("setl", "init_setl_id", "setl.setl_id"),
        sa.PrimaryKeyConstraint("setl_id", name="pk_setl"),
        sa.UniqueConstraint("init_setl_id", name="uq_setl_init_setl_id"),
        sa.UniqueConstraint("msgid", name="uq_setl_msgid"),
    )
    for column in ("mdtrt_id", "psn_no", "fixmedins_code", "setl_time"):
        _index("setl", column)
    op.create_table(
        "setl_detail",
        _serial(),
        _code("setl_id", 30),
        _code("fund_pay_type", 6),
        sa.Column("fund_pay_type_name", sa.String(50), nullable=True),
        _money("inscp_scp_amt"),
        _money("crt_payb_lmt_amt", nullable=True),
        _money("fund_payamt"),
        sa.Column("setl_proc_info", sa.Text(), nullable=True),
        _fk("setl_detail", "setl_id", "setl.setl_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_setl_detail"),
        sa.UniqueConstraint("setl_id", "fund_pay_type", name="uq_setl_detail_setl_id_fund_pay_type"),
    )
    op.create_table(
        "annual_accumulator",
        _code("psn_no", 30),
        sa.Column("fund_year", sa.Integer(), nullable=False),
        _code("insutype", 6),
        sa.Column("counters", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _fk("annual_accumulator", "psn_no", "person.psn_no"),
        sa.PrimaryKeyConstraint("psn_no", "fund_year", "insutype", name="pk_annual_accumulator"),
    )


def _settlement_lists() -> None:
    op.create_table(
        "setl_list",
        _code("setl_id", 30),
        _code("mdtrt_id", 30),
        _code("psn_no", 30),
        _code("fixmedins_code", 30),
        _code("insutype", 6),
        _code("gend", 1),
        sa.Column("age", sa.Integer(), nullable=False),
        sa.Column("nwb_age", sa.Integer(), nullable=True),
        sa.Column("nwb_bir_wt", sa.Integer(), nullable=True),
        sa.Column("nwb_adm_wt", sa.Integer(), nullable=True),
        sa.Column("adm_time", sa.DateTime(), nullable=False),
        sa.Column("dscg_time", sa.DateTime(), nullable=False),
        sa.Column("act_ipt_days", sa.Integer(), nullable=False),
        _code("adm_caty", 30, nullable=True),
        _code("dscg_caty", 30, nullable=True),
        _code("dscg_way", 1),
        _money("medfee_sumamt"),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("act_ipt_days >= 0", name="ck_setl_list_act_ipt_days"),
        sa.CheckConstraint("dscg_way IN ('1', '2', '3', '4', '5', '9')", name="ck_setl_list_dscg_way"),
        _fk("setl_list", "setl_id", "setl.setl_id"),
        _fk("setl_list", "mdtrt_id", "mdtrt.mdtrt_id"),
        _fk("setl_list", "psn_no", "person.psn_no"),
        _fk("setl_list", "fixmedins_code", "institution.fixmedins_code"),
        sa.PrimaryKeyConstraint("setl_id", name="pk_setl_list"),
    )
    for column in ("mdtrt_id", "psn_no", "fixmedins_code"):
        _index("setl_list", column)
    op.create_table(
        "setl_list_diag",
        _serial(),
        _code("setl_id", 30),
        sa.Column("diag_srt_no", sa.Integer(), nullable=False),
        _code("diag_code", 20),
        sa.Column("diag_name", sa.String(200), nullable=True),
        sa.Column("maindiag_flag", sa.Boolean(), nullable=False),
        _code("adm_cond_type", 1, nullable=True),
        _fk("setl_list_diag", "setl_id", "setl_list.setl_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_setl_list_diag"),
        sa.UniqueConstraint("setl_id", "diag_srt_no", name="uq_setl_list_diag_setl_id_diag_srt_no"),
    )
    op.create_table(
        "setl_list_oprn",
        _serial(),
        _code("setl_id", 30),
        sa.Column("oprn_srt_no", sa.Integer(), nullable=False),
        _code("oprn_oprt_code", 20),
        sa.Column("oprn_oprt_name", sa.String(200), nullable=True),
        sa.Column("oprn_oprt_date", sa.Date(), nullable=True),
        sa.Column("main_oprn_flag", sa.Boolean(), nullable=False),
        _fk("setl_list_oprn", "setl_id", "setl_list.setl_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_setl_list_oprn"),
        sa.UniqueConstraint("setl_id", "oprn_srt_no", name="uq_setl_list_oprn_setl_id_oprn_srt_no"),
    )
    op.create_table(
        "setl_list_item",
        _serial(),
        _code("setl_id", 30),
        _code("med_chrgitm_type", 6),
        _money("amt"),
        _money("claa_sumfee"),
        _money("clab_amt"),
        _money("fulamt_ownpay_amt"),
        _money("oth_amt"),
        _fk("setl_list_item", "setl_id", "setl_list.setl_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_setl_list_item"),
        sa.UniqueConstraint("setl_id", "med_chrgitm_type", name="uq_setl_list_item_setl_id_med_chrgitm_type"),
    )


def _users() -> None:
    role = op.create_table(
        "role",
        _code("role_code", 30),
        sa.Column("role_name", sa.String(50), nullable=False),
        sa.PrimaryKeyConstraint("role_code", name="pk_role"),
    )
    op.bulk_insert(role, ROLES)
    op.create_table(
        "app_user",
        sa.Column("user_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(50), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        _code("fixmedins_code", 30, nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("app_user", "fixmedins_code", "institution.fixmedins_code"),
        sa.PrimaryKeyConstraint("user_id", name="pk_app_user"),
        sa.UniqueConstraint("username", name="uq_app_user_username"),
    )
    op.create_table(
        "user_role",
        sa.Column("user_id", sa.Integer(), nullable=False),
        _code("role_code", 30),
        _fk("user_role", "user_id", "app_user.user_id", ondelete="CASCADE"),
        _fk("user_role", "role_code", "role.role_code"),
        sa.PrimaryKeyConstraint("user_id", "role_code", name="pk_user_role"),
    )


_TABLES_NEWEST_FIRST = (
    "user_role",
    "app_user",
    "role",
    "setl_list_item",
    "setl_list_oprn",
    "setl_list_diag",
    "setl_list",
    "annual_accumulator",
    "setl_detail",
    "setl",
    "feedetl",
    "mdtrt_diagnosis",
    "mdtrt",
    "coverage_period",
    "person_identity",
    "person",
    "institution",
    "pooling_region",
)


def downgrade() -> None:
    # Dropping a table drops its indexes and constraints on both backends.
    for table in _TABLES_NEWEST_FIRST:
        op.drop_table(table)
