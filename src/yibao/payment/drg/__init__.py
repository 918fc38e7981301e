"""CHS-DRG grouper: one rule set (a scheme as data), two faces.

* :func:`group_case` — one case, with a Chinese trace (``single``);
* :func:`group_table` — an Ibis table of cases, on DuckDB or Spark (``batch``).

Both follow the scheme's SOURCE.md (bundled CHS-DRG 1.1 by default; :func:`load_scheme` reads a
region's variant or a later version from a folder of the same shape).

Decisions where SOURCE.md is silent (both faces implement them; tests pin them):

* Status order: 信息校验 (sex 1/2; age given and ≥ 0; age_days ≥ 0 and given when age is 0;
  a newborn — age 0, ≤ 28 days — has a birth weight > 0; a principal diagnosis) → untranslatable
  diagnosis → untranslatable procedure → grouped → 主要诊断与性别不符 → 无法入组. All but
  "grouped" get DRG ``0000``.
* Codes: ASCII whitespace is removed, empty ``|`` parts dropped; an empty *first* part followed by
  codes means the principal / main slot was left empty (no principal diagnosis; an untranslatable
  main procedure).
* A code the grouper lists is used as it is even if ``*_map.tsv`` maps it elsewhere (246
  diagnoses, 4 procedures in 1.1); the map translates only unlisted codes, one step.
* MDCZ's ``mdc_dx`` is the key set of its ``dx_trauma_region``; regions are counted over all
  diagnoses, principal included.
* Secondary diagnoses are all but the first, even one repeating the principal code.
* 主要诊断与性别不符 only replaces 无法入组: when no MDC takes the case and its principal diagnosis
  is in the list of an MDC gated on the other sex only (MDCM / MDCN). MDCO is not gated on sex
  in 1.1, so an obstetric principal diagnosis in a man is grouped as the scheme says.
* An enabled ``ambiguous_group`` step (no rule given in 1.1) makes the scheme fail to load.
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
