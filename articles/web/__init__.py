"""Web: the reader's pages. `views` (home, article, club, player, story pages) stays thin:
`articles.selectors` reads, `filters` (django-filter FilterSets) turns query parameters into
filters, `sidebars` serves the cached teaser lists beside an article ("Meest recent",
"Gerelateerd", "Meer over <club>") and the generation number that retires every cached list;
`syndication` holds the Atom feeds, `sitemaps` the sitemap sections. May use every room but
the API; articles/urls.py routes to it.
"""
