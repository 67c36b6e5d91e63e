"""Statistics: KPIs, reconciliation, burden, monthly report; imports model and below, not draws."""
