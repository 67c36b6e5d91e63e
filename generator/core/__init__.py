"""Shared foundations: values, errors, schemas, settings, publicity, working days; imports no other gongkai package."""
