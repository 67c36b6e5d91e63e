"""Shared foundations (values, errors, schemas, settings, masks, workdays); imports nothing."""
