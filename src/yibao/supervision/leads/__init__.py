"""监管线索: the lead workflow, sanctions, physician points, institution credit and Excel export."""

from yibao.supervision.leads.workflow import SANCTION_KINDS, LeadStatus, credit_score, transition

__all__ = ["LeadStatus", "SANCTION_KINDS", "credit_score", "transition"]
