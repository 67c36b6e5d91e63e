"""Model: published records linked, their ids, tables and releases; imports validate and below."""
