"""Model: the published records linked together, their identities, tables and releases; imports validate, ingest and core."""
