"""本地监管规则: split stays, low-standard admissions, upcoding, phantom stays, bed-hanging.

Rules in :mod:`.rules`, their parameters in ``params.toml`` read by :mod:`.params`.
"""
