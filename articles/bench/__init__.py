"""Bench: material for the benchmarks, kept out of the request path: nothing but the bench_*
management commands imports it. `synthetic.from_gazetteer` makes reproducible Dutch football
articles, `archive.load` fills (or tops up) the archive the search and page benchmarks share,
`pages.page_html` and `pages.summary_feed` dress synthetic articles as a news site's pages
and summary-only feeds for the ingestion benchmark; `runs` holds what the commands share
(`BenchCommand`, `index_requests_off`, `percentiles`).
"""
