"""The public website: generated pages, record pages, search and sitemap; imports publish.data and below."""
