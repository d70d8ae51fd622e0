# newsdesk: `make run` serves the site on 127.0.0.1:8000; `make test` runs lint and the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The second test run uses this PostgreSQL database (its test copy is created and dropped).
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: install setup run test lint format clean browser postgres-rum bench bench-ingest bench-search bench-link bench-site bench-archive bench-archive-pg bench-load bench-archive-1m bench-search-1m bench-site-1m

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(STAMP)

# Safe to run again: migrations, the gazetteer, the fixtures and the demo import are all idempotent.
setup: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_gazetteer
	$(BIN)/python manage.py import_fixtures articles/data/fixtures/*/*.json
	$(BIN)/python manage.py import_articles articles/data/demo_articles.jsonl
	$(BIN)/python manage.py rebuild_index --quiet
	$(BIN)/python manage.py refresh_related
	$(BIN)/python manage.py demo_admin

run: setup
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The browser tests (tests/browser) drive Debian's chromium: installed here when missing and we
# may (root with apt-get); otherwise they skip saying so (fail under CI=true). Instant when present.
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	fi

# PostgreSQL's rum extension, with which the PostgreSQL search backend ranks many matches in the
# index (search/migrations/0003): Debian's postgresql-<major>-rum for each installed major,
# installed here when missing and we may (root with apt-get). Without it the backend ranks with
# ts_rank (slower for common words) and the test of the RUM path skips (fails under CI=true).
postgres-rum:
	@if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		for major in $$(ls /usr/lib/postgresql 2>/dev/null); do \
			dpkg -s postgresql-$$major-rum >/dev/null 2>&1 && continue; \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-$$major-rum >/dev/null \
				|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-$$major-rum) \
				|| echo "postgresql-$$major-rum could not be installed: PostgreSQL search ranks with ts_rank"; \
		done; \
	fi

# Fault, browser and production tests (marked `once`) and PostgreSQL's own (marked `postgresql`)
# run in the PostgreSQL pass alone.
test: lint browser postgres-rum
	$(BIN)/python -m pytest -m "not once and not postgresql"
	DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var

# bench-ingest runs on a PostgreSQL database of its own (made fresh each time), as production
# does: the in-process path and the Celery path (fetch, celery and index workers) on the same data.
BENCH_PG_URL ?= postgres://postgres@127.0.0.1:5432/newsdesk_bench
BENCH_INGEST = DATABASE_URL=$(BENCH_PG_URL) NEWSDESK_INDEX_DIR=$(CURDIR)/var/bench/index
bench-ingest: install
	rm -rf var/bench && mkdir -p var/bench
	psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS newsdesk_bench" -c "CREATE DATABASE newsdesk_bench"
	$(BENCH_INGEST) $(BIN)/python manage.py migrate --noinput -v0
	$(BENCH_INGEST) $(BIN)/python manage.py load_gazetteer
	$(BENCH_INGEST) $(BIN)/python manage.py bench_ingest | tee var/bench/ingest.json

bench: bench-ingest bench-search bench-link bench-site

bench-link: install
	rm -rf var/bench-link && mkdir -p var/bench-link
	DATABASE_URL=sqlite:///$(CURDIR)/var/bench-link/db.sqlite3 $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=sqlite:///$(CURDIR)/var/bench-link/db.sqlite3 $(BIN)/python manage.py load_gazetteer
	DATABASE_URL=sqlite:///$(CURDIR)/var/bench-link/db.sqlite3 NEWSDESK_INDEX_DIR=$(CURDIR)/var/bench-link/index \
		$(BIN)/python manage.py bench_link | tee var/bench-link/link.json

# The search and page benchmarks share one synthetic archive in var/bench-archive, kept between
# runs and loaded in bulk (articles.bench.bulk_archive: links, stories and related lists from
# what the generator wrote; the import path, which bench-ingest times, would take ten minutes);
# a run only tops it up, make clean removes it. bench-search always times a full index rebuild;
# bench-site rebuilds only when the index is out of step.
ARCHIVE = DATABASE_URL=sqlite:///$(CURDIR)/var/bench-archive/db.sqlite3 NEWSDESK_INDEX_DIR=$(CURDIR)/var/bench-archive/index

bench-archive: install
	mkdir -p var/bench-archive
	$(ARCHIVE) $(BIN)/python manage.py migrate --noinput -v0
	$(ARCHIVE) $(BIN)/python manage.py load_gazetteer
	$(ARCHIVE) $(BIN)/python manage.py bench_search --load-only --bulk

# $(call pg_database,NAME): create the PostgreSQL database NAME on postgres@127.0.0.1 unless it exists.
pg_database = psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$(1)'" | grep -q 1 \
	|| psql -h 127.0.0.1 -U postgres -q -c "CREATE DATABASE $(1)"

# A PostgreSQL copy of the archive (made once from the SQLite archive, ids and all, and kept),
# for bench-search's two backends side by side and for bench-load.
BENCH_ARCHIVE_PG_DB ?= newsdesk_bench_load
BENCH_ARCHIVE_PG_URL := postgres://postgres@127.0.0.1:5432/$(BENCH_ARCHIVE_PG_DB)
PG_ARCHIVE = DATABASE_URL=$(BENCH_ARCHIVE_PG_URL) NEWSDESK_INDEX_DIR=$(CURDIR)/var/bench-archive/index
bench-archive-pg: bench-archive postgres-rum
	mkdir -p var/bench-load
	$(call pg_database,$(BENCH_ARCHIVE_PG_DB))
	$(PG_ARCHIVE) $(BIN)/python manage.py migrate --noinput -v0
	$(PG_ARCHIVE) $(BIN)/python manage.py bench_load --prepare-only --label postgresql \
		--copy-from $(CURDIR)/var/bench-archive/db.sqlite3

# Both search backends side by side on the PostgreSQL copy (each rebuilt, then timed), and
# SQLite FTS5 on the same corpus as the reference.
bench-search: bench-archive-pg
	$(PG_ARCHIVE) $(BIN)/python manage.py bench_search --backend whoosh --backend postgres \
		| tee var/bench-archive/search.json

# The same at 1,000,000 articles (--articles), on a PostgreSQL database of its own, loaded in
# bulk (articles.bench.bulk_archive: links, stories and related lists from what the generator
# wrote; the import path would take an hour) and kept with its index folder in var/bench-1m;
# bench-site-1m times the pages on it with the PostgreSQL search backend.
BENCH_1M_PG_DB ?= newsdesk_bench_1m
BENCH_1M = DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(BENCH_1M_PG_DB) NEWSDESK_INDEX_DIR=$(CURDIR)/var/bench-1m/index
bench-archive-1m: install postgres-rum
	mkdir -p var/bench-1m
	$(call pg_database,$(BENCH_1M_PG_DB))
	$(BENCH_1M) $(BIN)/python manage.py migrate --noinput -v0
	$(BENCH_1M) $(BIN)/python manage.py load_gazetteer
	$(BENCH_1M) $(BIN)/python manage.py bench_search --load-only --bulk --articles 1000000

bench-search-1m: bench-archive-1m
	$(BENCH_1M) $(BIN)/python manage.py bench_search --articles 1000000 --backend whoosh --backend postgres \
		| tee var/bench-1m/search.json

# The page benchmarks ask for hundreds of searches a minute from one address: the readers' rate
# limits (60 searches a minute) would answer them 429.
NO_RATE_LIMITS = NEWSDESK_RATELIMIT_SEARCH=off NEWSDESK_RATELIMIT_API=off

bench-site-1m: bench-archive-1m
	$(BENCH_1M) $(NO_RATE_LIMITS) NEWSDESK_SEARCH_BACKEND=postgres $(BIN)/python manage.py bench_site --articles 1000000 \
		| tee var/bench-1m/site.json

bench-site: bench-archive
	$(ARCHIVE) $(NO_RATE_LIMITS) $(BIN)/python manage.py bench_site | tee var/bench-archive/site.json

# bench-load: the site as the README's production section runs it (`gunicorn newsdesk.wsgi` with
# gunicorn.conf.py, DJANGO_DEBUG=0, a Redis cache of its own, collected static files), 50 locust
# clients without think time for BENCH_LOAD_WARMUP seconds (a warm-up, counted apart) and then
# BENCH_LOAD_SECONDS (measured) on the 100,000-article archive above (built
# or topped up by bench_site, one request a page), then the same on a PostgreSQL copy of it
# (made once from the SQLite archive, ids and all, and kept; the archive's index serves both).
# Rate limits for search and the API are off: all clients are 127.0.0.1. Figures in var/bench-load/.
BENCH_LOAD_SECONDS ?= 60
BENCH_LOAD_WARMUP ?= 60
BENCH_LOAD = NEWSDESK_INDEX_DIR=$(CURDIR)/var/bench-archive/index DJANGO_STATIC_ROOT=$(CURDIR)/var/bench-load/static
bench-load: bench-archive-pg
	$(ARCHIVE) $(BIN)/python manage.py bench_site --requests 1 > var/bench-load/archive.json
	$(BENCH_LOAD) DJANGO_DEBUG=0 DJANGO_SECRET_KEY=bench-load-static-only-$$(date +%s)-xxxxxxxxxxxxxxxxxxxxxxxxxxxx \
		$(BIN)/python manage.py collectstatic --noinput -v0
	$(ARCHIVE) $(BENCH_LOAD) $(BIN)/python manage.py bench_load --label sqlite --seconds $(BENCH_LOAD_SECONDS) \
		--warmup $(BENCH_LOAD_WARMUP)
	DATABASE_URL=$(BENCH_ARCHIVE_PG_URL) $(BENCH_LOAD) $(BIN)/python manage.py bench_load --label postgresql \
		--seconds $(BENCH_LOAD_SECONDS) --warmup $(BENCH_LOAD_WARMUP)
