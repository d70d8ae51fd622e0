"""Ingest: how articles arrive and are stored. `feeds.poll_source` fetches a source's feed
through `http.fetch` (bounded in time and size, never aimed inward) and tells new entries from
known ones; `entries.entry_draft` turns one entry into an article as it will be stored, with
the text of its page (`extract.extract_article`) when the feed gives only a summary;
`feeds.ingest_pending` and `feeds.fetch_and_ingest_all` stream entries' pages through threads
and store them in batches; `cleaning` and `canonical` sanitize the HTML and the URL;
`importing.import_lines` reads JSON Lines and `opml` exchanges source lists; `store` is the one
place that writes Article rows (`store_article`, `store_batch`, `store_drafts`, `set_status`);
`landing` does what follows a landing (links, story, index, related list), in batches inside
`landing.in_bulk()`. Uses entities and stories, never the pages or the API.
"""
