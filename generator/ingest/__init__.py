"""Ingest: one export file (CSV, XLSX, SpreadsheetML) into header-matched rows; imports core."""
