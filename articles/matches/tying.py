"""Articles tied to the matches they are about.

An article that names both clubs of a match (linked, not rejected) and is published from three
days before its kick-off to two days after is tied to it: a preview before kick-off, a report or
a reaction after. Of two meetings of the same clubs in reach, the nearer one. Its story comes
along: the match page shows the stories of its articles.

As with club links, an editor's decision is final: a tie an editor made, or undid (a row in state
rejected), is never touched by automatic runs, which only add and remove their own rows. Runs
follow the links (`follow_articles`, from every linking run through articles.hooks) and the data
(`tie_matches`, for new and rescheduled matches).
"""

from collections import defaultdict
from datetime import timedelta

from django.db.models import Q

from articles.matches import reconcile
from articles.models import Article, ArticleClub, ArticleMatch, LinkOrigin, LinkState, Match

BEFORE = timedelta(days=3)  # published this long before kick-off: a preview
AFTER = timedelta(days=2)  # and this long after: a report or a reaction
CHUNK = timedelta(days=7)  # tie_matches reads the articles of a week of matches at a time


def _wanted(articles: dict[int, tuple], matches: list[tuple]) -> set[tuple[int, int]]:
    """(article, match) pairs to tie. `articles`: {id: (published_at, {club ids})}; `matches`:
    [(id, home, away, kickoff)]."""
    by_pair: dict[frozenset, list[tuple]] = defaultdict(list)
    for match in matches:
        by_pair[frozenset(match[1:3])].append(match)
    best: dict[tuple[int, frozenset], tuple] = {}
    for article_id, (published, clubs) in articles.items():
        if len(clubs) < 2:
            continue
        for pair, fixtures in by_pair.items():
            if not pair <= clubs:
                continue
            for match_id, _home, _away, kickoff in fixtures:
                if kickoff - BEFORE <= published <= kickoff + AFTER:
                    distance = (abs(published - kickoff), match_id)
                    key = (article_id, pair)
                    if key not in best or distance < best[key]:
                        best[key] = distance
    return {(article_id, match_id) for (article_id, _pair), (_distance, match_id) in best.items()}


def _apply(wanted: set[tuple[int, int]], scope: Q) -> set[int]:
    """Make the automatic ties within `scope` be `wanted`; editors' rows stay. Returns the ids
    of the matches whose ties changed."""
    existing = {(row.article_id, row.match_id): row for row in ArticleMatch.objects.filter(scope)}
    gone = [row.pk for key, row in existing.items() if row.origin == LinkOrigin.AUTO and key not in wanted]
    new = [
        ArticleMatch(article_id=article_id, match_id=match_id, origin=LinkOrigin.AUTO, state=LinkState.LINKED)
        for article_id, match_id in wanted
        if (article_id, match_id) not in existing
    ]
    changed = {existing_key[1] for existing_key, row in existing.items() if row.pk in set(gone)}
    changed |= {row.match_id for row in new}
    if gone:
        ArticleMatch.objects.filter(pk__in=gone).delete()
    if new:
        # ignore_conflicts: a concurrent run may have tied the same pair a moment ago.
        ArticleMatch.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    return changed


def _linked_clubs(article_ids) -> dict[int, set[int]]:
    clubs: dict[int, set[int]] = defaultdict(set)
    links = ArticleClub.objects.filter(article_id__in=article_ids, state=LinkState.LINKED)
    for article_id, club_id in links.values_list("article_id", "club_id"):
        clubs[article_id].add(club_id)
    return clubs


def tie_articles(article_ids) -> set[int]:
    """Tie these articles to their matches (their club links as they are now); returns the ids
    of the matches whose ties changed."""
    article_ids = list(article_ids)
    if not article_ids:
        return set()
    published = dict(Article.objects.filter(pk__in=article_ids).values_list("pk", "published_at"))
    clubs = _linked_clubs(article_ids)
    articles = {pk: (when, clubs.get(pk, set())) for pk, when in published.items()}
    wanted: set[tuple[int, int]] = set()
    candidates = [pk for pk, (_when, named) in articles.items() if len(named) >= 2]
    if candidates:
        named = set().union(*(articles[pk][1] for pk in candidates))
        earliest = min(articles[pk][0] for pk in candidates)
        latest = max(articles[pk][0] for pk in candidates)
        matches = list(
            Match.objects.filter(
                home_id__in=named, away_id__in=named, kickoff__gte=earliest - AFTER, kickoff__lte=latest + BEFORE
            ).values_list("pk", "home_id", "away_id", "kickoff")
        )
        wanted = _wanted(articles, matches)
    return _apply(wanted, Q(article_id__in=article_ids))


def tie_matches(match_ids) -> set[int]:
    """Tie the articles about these matches (new or rescheduled ones); returns the ids of the
    matches whose ties changed. A week of matches at a time: one season is thousands of articles."""
    matches = sorted(
        Match.objects.filter(pk__in=list(match_ids)).values_list("pk", "home_id", "away_id", "kickoff"),
        key=lambda m: m[3],
    )
    tied = set(ArticleMatch.objects.filter(match_id__in=[m[0] for m in matches]).values_list("match_id", flat=True))
    changed: set[int] = set()
    start = 0
    while start < len(matches):
        end = start
        while end < len(matches) and matches[end][3] < matches[start][3] + CHUNK:
            end += 1
        chunk = matches[start:end]
        start = end
        clubs = {club for m in chunk for club in m[1:3]}
        since, until = chunk[0][3] - BEFORE, chunk[-1][3] + AFTER
        links = ArticleClub.objects.filter(
            club_id__in=clubs,
            state=LinkState.LINKED,
            article__published_at__gte=since,
            article__published_at__lte=until,
        ).values_list("article_id", "club_id", "article__published_at")
        named: dict[int, tuple] = {}
        for article_id, club_id, published in links:
            named.setdefault(article_id, (published, set()))[1].add(club_id)
        articles = {pk: found for pk, found in named.items() if len(found[1]) >= 2}
        chunk_ids = {m[0] for m in chunk}
        if not articles and not chunk_ids & tied:
            continue  # nothing to tie, nothing tied before
        # An article may also be about a meeting of the same clubs outside this chunk: the
        # nearer one wins, so compare with every meeting of these clubs in reach.
        pairs = {frozenset(m[1:3]) for m in chunk}
        reach = [
            m
            for m in Match.objects.filter(
                home_id__in=clubs, away_id__in=clubs, kickoff__gte=since - AFTER, kickoff__lte=until + BEFORE
            ).values_list("pk", "home_id", "away_id", "kickoff")
            if frozenset(m[1:3]) in pairs
        ]
        wanted = {pair for pair in _wanted(articles, reach) if pair[1] in chunk_ids}
        changed |= _apply(wanted, Q(match_id__in=chunk_ids))
    return changed


def follow_articles(article_ids) -> None:
    """After a linking run: tie these articles again, and reconcile the scores of every match
    they were or are tied to (their results were read again too)."""
    article_ids = list(article_ids)
    if not article_ids:
        return
    before = set(ArticleMatch.objects.filter(article_id__in=article_ids).values_list("match_id", flat=True))
    tie_articles(article_ids)
    after = set(ArticleMatch.objects.filter(article_id__in=article_ids).values_list("match_id", flat=True))
    reconcile.reconcile(before | after)
