"""Publish: the site and the open data, from the model and statistics; imports stats and below."""
