"""事后监管扫描: the post-event scan of a warehouse period as Ibis expressions (DuckDB or Spark).

Entry points: :func:`yibao.supervision.scan.run.scan_warehouse` (service) and
:func:`yibao.supervision.scan.run.scan_tables` (engine); leads have :data:`.model.LEAD_SCHEMA`.
Nothing is imported here, so the local rules can import the lead model without a cycle.
"""
