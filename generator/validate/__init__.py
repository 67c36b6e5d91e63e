"""Validate: normalise, check and account for every row of a folder; imports ingest and core."""
