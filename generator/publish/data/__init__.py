"""Open data: downloads and Atom/RSS feeds; imports stats, draws and below, never publish.site."""
