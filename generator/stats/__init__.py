"""Statistics: the KPIs, reconciliation, inspection burden and monthly report; imports model and below, never draws or publish."""
