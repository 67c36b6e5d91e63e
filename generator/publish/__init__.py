"""Publish: the site and the open data written from the model and statistics; imports stats, draws and below."""
