"""The scores the news reports, checked against the fixtures data.

A match's reported score is what its tied articles published after kick-off read from their text
(articles.entities.results): the score most of them give, the earliest first among equals, with
the article that gave it first ("volgens <bron>"). Pages show it while the data has no score;
where a report disagrees with the data's score the match is marked `score_conflict`, which the
admin lists for editors. An article an editor untied from the match no longer counts.
"""

from collections import Counter

from django.db import transaction

from articles.matches.versions import bump_version
from articles.models import Article, LinkState, Match, MatchResult


def report_rows(match_ids) -> dict[int, list[tuple]]:
    """{match id: [(article id, home id, away id, home goals, away goals, published)]}: the
    results read from the published articles tied to these matches."""
    rows = MatchResult.objects.filter(
        article__match_links__match_id__in=list(match_ids),
        article__match_links__state=LinkState.LINKED,
        article__status=Article.Status.PUBLISHED,
        article__duplicate_of__isnull=True,
    ).values_list(
        "article__match_links__match_id",
        "article_id",
        "home_id",
        "away_id",
        "home_goals",
        "away_goals",
        "article__published_at",
    )
    found: dict[int, list[tuple]] = {}
    for match_id, *row in rows:
        found.setdefault(match_id, []).append(tuple(row))
    return found


def reported_scores(match: Match, rows) -> list[tuple[int, int, int, object]]:
    """[(home goals, away goals, article id, published)] of these report rows (see report_rows)
    that are about `match`, oriented to its home and away clubs, earliest first."""
    found = []
    for article_id, home_id, away_id, home_goals, away_goals, published in rows:
        if {home_id, away_id} != {match.home_id, match.away_id}:
            continue
        if published < match.kickoff:
            continue  # a score published before kick-off is about another meeting
        goals = (home_goals, away_goals) if home_id == match.home_id else (away_goals, home_goals)
        found.append((*goals, article_id, published))
    return sorted(found, key=lambda item: (item[3], item[2]))


def reconcile(match_ids) -> int:
    """Recompute the reported score and conflict flag of these matches; returns how many changed."""
    match_ids = list(match_ids)
    if not match_ids:
        return 0
    matches = list(Match.objects.filter(pk__in=match_ids))
    reports = report_rows(match_ids)
    changed = []
    fields = ["reported_home_goals", "reported_away_goals", "reported_by_id", "score_conflict"]
    for match in matches:
        scores = reported_scores(match, reports.get(match.pk, []))
        home = away = by = None
        conflict = False
        if scores:
            counts = Counter((h, a) for h, a, _pk, _when in scores)
            top = max(counts.values())
            home, away, by, _when = next(s for s in scores if counts[(s[0], s[1])] == top)
            if match.has_score:
                conflict = any((h, a) != (match.home_goals, match.away_goals) for h, a, _pk, _when in scores)
        values = dict(zip(fields, (home, away, by, conflict), strict=True))
        if any(getattr(match, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(match, name, value)
            changed.append(match)
    if changed:
        Match.objects.bulk_update(changed, fields, batch_size=500)
        transaction.on_commit(bump_version)
    return len(changed)
