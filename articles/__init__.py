"""The articles app: sources, articles, clubs, players and stories, in rooms by job.

- `ingest/`: feeds, pages, extraction, cleaning, imports, storing, and what follows a landing
- `entities/`: the gazetteer, linking articles to clubs and players, match results
- `stories/`: clustering articles into stories, editors' curation, related lists
- `matches/`: fixtures and results imported from openfootball, tables, articles tied to matches,
  the scores the news reports checked against the data
- `web/`: the reader's pages, sidebars, Atom feeds, sitemaps, FilterSets
- `api/`: the read-only JSON API
- `bench/`: benchmark material, imported by the bench_* commands only

Where Django looks, at the top: `models`, `admin`, `apps`, `urls`, `tasks` (thin Celery
tasks, at their beat-scheduled names), `signals` (the wiring: model signals and the hooks
below, connected to tasks and caches) and `management/commands/`. Beside them, what every
room may use: `selectors` (reads that pages, the API and the index share), `bulk` (one UPDATE
for many rows) and `hooks` (what the rooms announce, so that they never import the tasks or
pages that act on it).

Imports point down: web and api → ingest → matches → entities, stories → models, selectors, bulk,
hooks. Tasks, admin and signals sit above all rooms; nothing imports them but Django and the
wiring. pyproject.toml's import-linter contracts (`make lint`) hold these directions.
"""
