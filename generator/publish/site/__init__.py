"""The public website: pages, record pages, search, sitemap; imports publish.data and below."""
