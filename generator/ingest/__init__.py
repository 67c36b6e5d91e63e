"""Ingest: read one export file (CSV, XLSX, SpreadsheetML) into header-matched rows; imports only core."""
