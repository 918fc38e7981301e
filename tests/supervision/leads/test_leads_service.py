"""Leads in the operational store (SQLite and PostgreSQL): saved once, worked to a sanction, audited,
scored for credit and exported to Excel that reads back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from yibao.errors import ConflictError
from yibao.store import db
from yibao.supervision.leads import service
from yibao.supervision.leads.export import HEADERS, export_leads
from yibao.supervision.leads.workflow import LeadStatus
from yibao.supervision.scan.model import LEAD_SCHEMA

PERIOD = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def _leads() -> pa.Table:
    rows = [
        {"rule_id": "LOCAL-SPLIT", "pattern": "split_hospitalisation", "level": "case", "mdtrt_id": "M2",
         "feedetl_sn": None, "related_mdtrt_id": "M1", "psn_no": "P1", "fixmedins_code": "H1", "atddr_no": "DR1",
         "amount": Decimal("8123.45"), "evidence": "出院后7天再次入院", "trace": "LOCAL-SPLIT;window_days=15"},
        {"rule_id": "NHSA-B1-ITEM-SEX", "pattern": "sex_restricted", "level": "item", "mdtrt_id": "M3",
         "feedetl_sn": "00001", "related_mdtrt_id": None, "psn_no": "P2", "fixmedins_code": "H2", "atddr_no": "DR2",
         "amount": Decimal("35.00"), "evidence": "限女性", "trace": "rule=NHSA-B1-ITEM-SEX"},
    ]
    return pa.Table.from_pylist(rows, schema=LEAD_SCHEMA.to_pyarrow())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def session(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Session]:
    with db.scratch_database(request.param, tmp_path, prefix="yibao_leads") as url:
        db.upgrade(url)
        engine = db.make_engine(url)
        with db.session_factory(engine)() as s:
            yield s
        engine.dispose()


def test_a_rescan_does_not_store_a_lead_twice(session: Session) -> None:
    assert service.save_leads(session, _leads(), "S1", PERIOD) == 2
    assert service.save_leads(session, _leads(), "S2", PERIOD) == 0
    stored = service.list_leads(session)
    assert [lead.amount for lead in stored] == [Decimal("8123.45"), Decimal("35.00")]
    assert all(lead.status == "待核查" for lead in stored)


def test_a_lead_is_worked_to_a_sanction_and_every_step_is_recorded(session: Session) -> None:
    service.save_leads(session, _leads(), "S1", PERIOD)
    lead = service.list_leads(session, rule_id="LOCAL-SPLIT")[0]
    service.move_lead(session, lead.id, LeadStatus.INVESTIGATING, "auditor1", "调取病历")
    with pytest.raises(ConflictError):
        service.sanction_lead(session, lead.id, "recovery", "auditor1", amount=Decimal("8123.45"))
    service.move_lead(session, lead.id, LeadStatus.CONFIRMED, "auditor1", "病历证实分解住院")
    service.sanction_lead(session, lead.id, "recovery", "chief", amount=Decimal("8123.45"), note="追回第二次住院费用")
    assert service.get_lead(session, lead.id).status == "处理"
    assert service.get_lead(session, lead.id).assignee == "auditor1"
    steps = [(e.from_status, e.to_status, e.actor) for e in service.events_of(session, lead.id)]
    assert steps == [("待核查", "核查中", "auditor1"), ("核查中", "确认", "auditor1"), ("确认", "处理", "chief")]
    assert [s.kind for s in service.sanctions_of(session, lead.id)] == ["recovery"]


def test_physician_points_are_deducted_from_the_yearly_budget(session: Session) -> None:
    service.save_leads(session, _leads(), "S1", PERIOD)
    lead = service.list_leads(session, rule_id="NHSA-B1-ITEM-SEX")[0]
    service.move_lead(session, lead.id, LeadStatus.INVESTIGATING, "a")
    service.move_lead(session, lead.id, LeadStatus.CONFIRMED, "a")
    service.sanction_lead(session, lead.id, "physician_points", "a", points=3, start=dt.date(2025, 6, 1))
    assert service.physician_points_left(session, "DR2", 2025) == 12 - 3
    assert service.physician_points_left(session, "DR2", 2024) == 12


def test_credit_scores_follow_confirmed_leads_and_give_the_payment_coefficient(session: Session) -> None:
    service.save_leads(session, _leads(), "S1", PERIOD)
    lead = service.list_leads(session, rule_id="LOCAL-SPLIT")[0]
    for step in (LeadStatus.INVESTIGATING, LeadStatus.CONFIRMED):
        service.move_lead(session, lead.id, step, "a")
    service.sanction_lead(session, lead.id, "suspend_payment", "a", start=dt.date(2025, 7, 1), end=dt.date(2025, 9, 30))
    scores = {c.fixmedins_code: c for c in service.score_credit(session, 2025)}
    assert scores["H1"].score == 100 - 1 - 10
    assert service.credit_coefficient(session, "H1", 2025) == Decimal("0.95")
    assert service.credit_coefficient(session, "H2", 2025) == Decimal("1")


def test_leads_export_to_excel_with_chinese_headers(session: Session, tmp_path: Path) -> None:
    service.save_leads(session, _leads(), "S1", PERIOD)
    path = export_leads(service.list_leads(session), tmp_path / "线索.xlsx")
    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(title for _, title in HEADERS)
    assert rows[1][3] == "分解住院" and rows[1][11] == pytest.approx(8123.45)
    assert rows[2][3] == "限定性别" and len(rows) == 3
