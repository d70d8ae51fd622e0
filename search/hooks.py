"""What the index announces, and what acts on it elsewhere (search/signals.py connects them):
so that search.indexing never imports the task that runs it.
"""

from django.dispatch import Signal

# An index run is due (one per two seconds at most; sent once the requesting transaction has
# committed): search.tasks.index_pending runs it, in a worker or, without a broker, right here.
index_requested = Signal()

# An index run wrote `count` articles: what waits for articles to be searchable listens (the
# related lists of landed articles, articles.ingest.landing).
index_updated = Signal()
