"""CHS-DRG grouper: one rule set (a scheme as data), two faces.

* :func:`group_case` — one case, with a Chinese trace (``single``);
* :func:`group_table` — an Ibis table of cases, on DuckDB or Spark (``batch``).

Both follow the scheme's SOURCE.md (bundled CHS-DRG 1.1 by default; :func:`load_scheme` reads a
region's variant or a later version from a folder of the same shape).
"""

from yibao.payment.drg.batch import INPUT_COLUMNS, OUTPUT_COLUMNS, group_table
from yibao.payment.drg.model import Case, GroupResult, GroupStatus, split_codes
from yibao.payment.drg.scheme import Scheme, default_scheme
from yibao.payment.drg.scheme import load as load_scheme
from yibao.payment.drg.single import group_case

__all__ = [
    "INPUT_COLUMNS",
    "OUTPUT_COLUMNS",
    "Case",
    "GroupResult",
    "GroupStatus",
    "Scheme",
    "default_scheme",
    "group_case",
    "group_table",
    "load_scheme",
    "split_codes",
]
