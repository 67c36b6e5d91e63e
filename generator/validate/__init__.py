"""Validate: normalise, check and account for every row of a data folder; imports ingest and core."""
