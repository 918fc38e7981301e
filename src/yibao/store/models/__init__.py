"""ORM models of the operational store (SQLAlchemy 2, typed).

Importing this package registers every table on :data:`Base.metadata`, which the migrations and
the drift test compare against.
"""

from yibao.store.models.base import Base
from yibao.store.models.bureau import AgreementEvent, PolicyPackVersion
from yibao.store.models.gateway import (
    AuditLog,
    CatalogItem,
    InstitutionCredential,
    MessageLog,
    SettlementDelta,
    SignIn,
    VisitExtra,
)
from yibao.store.models.ledger import AnnualAccumulator, Settlement, SettlementDetail, SettlementStatus
from yibao.store.models.people import CoveragePeriod, HardshipIdentity, InsuranceStatus, Person, PersonIdentity
from yibao.store.models.reference import AgreementStatus, Institution, InstitutionType, PoolingRegion
from yibao.store.models.setl_list import (
    SettlementList,
    SettlementListDiagnosis,
    SettlementListItem,
    SettlementListProcedure,
)
from yibao.store.models.supervision import InstitutionCredit, LeadEvent, PhysicianPoints, Sanction, SupervisionLead
from yibao.store.models.users import ROLE_NAMES, Role, RoleCode, User, user_role
from yibao.store.models.visits import FeeDetail, Visit, VisitDiagnosis, VisitStatus

__all__ = [
    "InstitutionCredit",
    "LeadEvent",
    "PhysicianPoints",
    "Sanction",
    "SupervisionLead",
    "AgreementEvent",
    "PolicyPackVersion",
    "ROLE_NAMES",
    "AgreementStatus",
    "AnnualAccumulator",
    "AuditLog",
    "CatalogItem",
    "InstitutionCredential",
    "MessageLog",
    "SettlementDelta",
    "SignIn",
    "Base",
    "CoveragePeriod",
    "FeeDetail",
    "HardshipIdentity",
    "Institution",
    "InstitutionType",
    "InsuranceStatus",
    "Person",
    "PersonIdentity",
    "PoolingRegion",
    "Role",
    "RoleCode",
    "Settlement",
    "SettlementDetail",
    "SettlementList",
    "SettlementListDiagnosis",
    "SettlementListItem",
    "SettlementListProcedure",
    "SettlementStatus",
    "User",
    "Visit",
    "VisitDiagnosis",
    "VisitExtra",
    "VisitStatus",
    "user_role",
]
