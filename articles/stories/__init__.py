"""Stories: articles about the same event, and the lists that follow from them.
`clustering.assign_stories` puts landed articles in stories, `clustering.refresh_stories` keeps
their counts, dates and lead, `clustering.restory` re-runs a date range; `curation` is what
editors do in the admin (`merge`, `split_off`, `moved_in_admin`, `story_edited`);
`related.refresh` computes and stores each article's related list ("Gerelateerd", "LEES OOK",
the API's `related`). Depends on the models and the search index, never on the pages.
"""
