"""yibao 医保: one-stop settlement, DIP/DRG payment, fund supervision and budgeting for a pooling region."""

__version__ = "0.1.0"
