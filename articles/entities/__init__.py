"""Entities: the clubs and players an article is about. `gazetteer.load` validates and upserts
the gazetteer file (`gazetteer.SHIPPED_GAZETTEER` by default); `linking.link_articles` and
`linking.relink_ids` find every club and player an article names (the matcher is rebuilt
when `linking.gazetteer_changed` says the gazetteer did); `results.store_results` keeps the
final scores an article reports between two linked clubs, `results.recent_results` lists them
for club pages. Depends on the models only.
"""
