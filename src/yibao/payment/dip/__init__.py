"""DIP 按病种分值付费: the catalog from the region's history, case points, monthly settlement, annual clearing.

Engines (pure, Ibis in → Ibis out): :mod:`features` (病例特征), :mod:`catalog` (目录库: core /
comprehensive / listed groups, scores, CV, RIV), :mod:`subtypes` (辅助目录: subtype coefficients and
violation markers), :mod:`points` (病例分值, outliers, special-review queue). The shared money side is
:mod:`yibao.payment.clearing`. Services: :mod:`service` (catalog, year points, reviews),
:mod:`settlement` (monthly settlement, annual clearing), :mod:`statements` (结算单, Excel).
"""
