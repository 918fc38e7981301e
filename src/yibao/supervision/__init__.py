"""基金监管: the smart-monitoring rule library (``rules``) and the single-visit review (``review``)."""
