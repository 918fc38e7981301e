"""异常评分: institution and physician features, IsolationForest + robust excess, explained rankings."""

from yibao.supervision.anomaly.run import rank_entities
from yibao.supervision.anomaly.score import Driver, Scored, auc, score_entities

__all__ = ["Driver", "Scored", "auc", "rank_entities", "score_entities"]
