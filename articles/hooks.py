"""What the rooms announce, and what acts on it elsewhere: the one place lower modules hand work
up without importing the code that does it.

Landing articles must queue a Celery task, and linking a changed gazetteer must queue a
relink, but the tasks import the work, never the other way; a story moved must retire cached
sidebars, but stories never import the pages; marking rows stale must ask for an index run,
but the models never import search. So these modules send a signal from here, and
articles/signals.py and search/signals.py connect each one to the task or cache that acts on
it. Each is sent when its effect is due (the senders wrap it in `transaction.on_commit` where
the work must wait for the commit); receivers take keyword arguments only.
"""

from django.dispatch import Signal

# Landed articles wait on their rows for a drain of `stage` ("settle": links and story;
# "relate": related lists): queue it (articles.tasks.settle_landed / relate_landed). A receiver
# answers False when the broker is down; the periodic sweep drains the rows then. Sent by
# articles.ingest.landing once the storing transaction has committed.
drain_due = Signal()

# A gazetteer change is committed: every article is to be linked again (articles.tasks.relink_all).
# Sent by articles.entities.linking.
relink_due = Signal()

# What cached lists of articles show has changed (stories, related lists): retire them
# (articles.web.sidebars.invalidate). Sent by articles.stories.
lists_changed = Signal()

# Articles' stored title, text or image changed (a publisher's revision, a new reading of the
# page), committed: the cached copies of their pages (newsdesk.pagecache) and the cached lists
# of teasers (articles.web.sidebars) show the old ones. Sent by articles.ingest.store with
# `article_ids`.
texts_changed = Signal()

# Rows were marked stale with a bulk UPDATE, which sends no post_save: ask for an index run
# (search.indexing.request_indexing). Sent by ArticleQuerySet.mark_index_stale.
index_stale = Signal()

# A linking run has rewritten these articles' club links and results (inside its transaction):
# their ties to matches and the matches' reported scores follow (articles.matches.tying).
# Sent by articles.entities.linking with `article_ids`.
links_changed = Signal()
