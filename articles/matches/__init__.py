"""Matches: fixtures and results from openfootball's football.json files, league tables computed
from them, articles tied to the match they are about, and the scores the news reports checked
against the data.

`fixtures.import_file` / `fixtures.import_document` read a season's file (competition code from
the file name, season from its folder), resolve its team names through the gazetteer and write
it in one transaction; `standings.compute` turns results into a table; `tying.follow_articles`
and `tying.tie_matches` keep automatic ties (editors' ties and unties stay); `reconcile` reads the
tied articles' scores; `schedule` holds the reads the pages and the API share. Depends on the
entities and stories below it, never on the pages.
"""
