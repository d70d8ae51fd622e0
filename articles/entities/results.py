"""Match results: final scores an article reports between two clubs it links.

Precision first: better no result than a wrong one. A score counts only inside one sentence
that ties it to two linked clubs in one of the ways Dutch sports writing reports a final score:

    "Club Brugge - Anderlecht 3-1"                    (home first, as in a headline)
    "Anderlecht won zondag met 0-2 bij Cercle Brugge" (the verb says who won, "bij" who was home)
    "Genk verloor met 1-2 van Gent"                   (venue not said: text order, flagged)
    "Standard en Charleroi speelden 1-1 gelijk"

Sentences about half-time, live scores, penalty shoot-outs or extra time are skipped.
"""

import bisect
import re
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from articles.models import Article, ArticleClub, LinkState, MatchResult

_DIGIT = re.compile(r"\d")
_SENTENCES = re.compile(r"[^.!?\n]+(?:[.!?]+(?=\s|$)|$)|[^\n]+", re.MULTILINE)
# Words that make a score something other than a final result.
_NOT_FINAL = re.compile(
    r"\b(?:rust|pauze|rustscore|live|liveblog|minuut|minuten|strafschoppen|penalty's|penaltyreeks|"
    r"verlenging|verlengingen|tussenstand|halfweg|heenmatch|heenwedstrijd|aggregaat)\b",
    re.IGNORECASE,
)

A, B = r"«(?P<a>\d+)»", r"«(?P<b>\d+)»"
SCORE = r"(?P<x>\d{1,2})\s?[-–]\s?(?P<y>\d{1,2})(?![\d-])"
FILLER = r"(?:\s+[^\s«»\d]+){0,3}?"  # "won zondag vlot met": a few words, no club, no number
AWAY = r"bij|op bezoek bij|op het veld van|in het stadion van"
PREP = rf"(?P<prep>{AWAY}|van|tegen)"
WIN = r"(?:wint|won|wonnen|klopt|klopte|klopten|versloeg|verslaat|zegeviert|zegevierde)"
LOSE = r"(?:verliest|verloor|verloren|gaat onderuit|ging onderuit|gaat de boot in|ging de boot in)"

PATTERNS = [
    ("home_first", re.compile(rf"{A}\s*(?:[-–—]|tegen)\s*{B}\s*(?::\s*|,\s*|\(\s*)?{SCORE}", re.I)),
    ("win", re.compile(rf"{A}\s+{WIN}{FILLER}\s+met\s+{SCORE}\s+{PREP}\s+{B}", re.I)),
    ("win", re.compile(rf"{A}\s+(?:klopt|klopte|versloeg|verslaat)\s+{B}{FILLER}\s+met\s+{SCORE}", re.I)),
    ("win", re.compile(rf"{A}\s+{WIN}{FILLER}\s+{PREP}\s+{B}\s+met\s+{SCORE}", re.I)),
    (
        "perfect",  # "Club Brugge heeft zondag de topper tegen Anderlecht met 3-1 gewonnen"
        re.compile(
            rf"{A}\s+(?:heeft|hebben|had){FILLER}\s+{PREP}\s+{B}\s+met\s+{SCORE}\s+(?P<verb>gewonnen|verloren)",
            re.I,
        ),
    ),
    ("lose", re.compile(rf"{A}\s+{LOSE}{FILLER}\s+met\s+{SCORE}\s+{PREP}\s+{B}", re.I)),
    ("draw", re.compile(rf"{A}\s+en\s+{B}\s+(?:spelen|speelden|speelde){FILLER}\s+{SCORE}\s+gelijk", re.I)),
    ("draw", re.compile(rf"{A}\s+(?:speelt|speelde){FILLER}\s+{SCORE}\s+gelijk\s+{PREP}\s+{B}", re.I)),
]


@dataclass(frozen=True)
class Score:
    home: int  # club ids
    away: int
    home_goals: int
    away_goals: int
    venue_known: bool


def _score(kind: str, a: int, b: int, x: int, y: int, prep: str | None) -> Score | None:
    if a == b or max(x, y) > 15:
        return None
    at_b = prep is not None and re.fullmatch(AWAY, prep, re.I) is not None
    if kind == "home_first":
        return Score(a, b, x, y, True)
    if kind == "draw":
        if x != y:
            return None
        return Score(b, a, x, y, True) if at_b else Score(a, b, x, y, False)
    if x == y:
        return None
    high, low = max(x, y), min(x, y)
    a_goals, b_goals = (high, low) if kind == "win" else (low, high)
    if at_b:
        return Score(b, a, b_goals, a_goals, True)
    return Score(a, b, a_goals, b_goals, False)


def find_scores(text: str, club_mentions) -> list[Score]:
    """Scores in `text`, given the club mentions found in it (objects with start, end, entity_id)."""
    mentions = sorted(club_mentions, key=lambda m: m.start)
    if len(mentions) < 2 or not _DIGIT.search(text):
        return []
    starts = [m.start for m in mentions]
    scores = []
    for sentence in _SENTENCES.finditer(text):
        start, end = sentence.span()
        first = bisect.bisect_left(starts, start)
        if first + 1 >= len(starts) or starts[first + 1] >= end:
            continue  # fewer than two club mentions in this sentence (most of a long text)
        inside = [m for m in mentions[first : bisect.bisect_left(starts, end)] if m.end <= end]
        if len({m.entity_id for m in inside}) < 2 or _NOT_FINAL.search(sentence.group()):
            continue
        # The sentence with each club mention replaced by a numbered placeholder.
        parts, cursor = [], start
        for number, mention in enumerate(inside):
            parts += [text[cursor : mention.start], f"«{number}»"]
            cursor = mention.end
        template = "".join([*parts, text[cursor:end]])
        for kind, pattern in PATTERNS:
            for match in pattern.finditer(template):
                a, b = inside[int(match["a"])].entity_id, inside[int(match["b"])].entity_id
                prep = match.groupdict().get("prep")
                how = kind
                if kind == "perfect":
                    how = "win" if match["verb"].lower() == "gewonnen" else "lose"
                score = _score(how, a, b, int(match["x"]), int(match["y"]), prep)
                if score is not None:
                    scores.append(score)
    return scores


def store_results(articles, mentions_by_article: dict[int, list]) -> None:
    """Make each article's stored results match what its text reports (a few queries in all)."""
    ids = [article.pk for article in articles]
    if not ids:
        return
    published = dict(Article.objects.filter(pk__in=ids).values_list("pk", "published_at"))
    rejected = set(
        ArticleClub.objects.filter(article_id__in=ids, state=LinkState.REJECTED).values_list("article_id", "club_id")
    )
    wanted: dict[int, dict[tuple[int, int], Score]] = {}
    for article in articles:
        mentions = mentions_by_article.get(article.pk, [])
        found: dict[tuple[int, int], Score] = {}
        for field, text in (("title", article.title), ("body", article.body)):
            clubs = [
                m
                for m in mentions
                if m.kind == "club" and m.field == field and (article.pk, m.entity_id) not in rejected
            ]
            for score in find_scores(text, clubs):
                found.setdefault((score.home, score.away), score)
        wanted[article.pk] = found
    existing: dict[int, set] = {pk: set() for pk in ids}
    for row in MatchResult.objects.filter(article_id__in=ids):
        existing[row.article_id].add((row.home_id, row.away_id, row.home_goals, row.away_goals, row.venue_known))
    stale = [
        pk
        for pk in ids
        if existing[pk] != {(s.home, s.away, s.home_goals, s.away_goals, s.venue_known) for s in wanted[pk].values()}
    ]
    if not stale:
        return
    MatchResult.objects.filter(article_id__in=stale).delete()
    MatchResult.objects.bulk_create(
        [
            MatchResult(
                article_id=pk,
                home_id=score.home,
                away_id=score.away,
                home_goals=score.home_goals,
                away_goals=score.away_goals,
                venue_known=score.venue_known,
                played_on=timezone.localdate(published[pk]) if published.get(pk) else timezone.localdate(),
            )
            for pk in stale
            for score in wanted[pk].values()
        ],
        ignore_conflicts=True,
    )


def recent_results(club, limit: int = 6) -> list[MatchResult]:
    """The club's latest results, each match once however many articles reported it."""
    rows = (
        MatchResult.objects.filter(Q(home=club) | Q(away=club), article__status=Article.Status.PUBLISHED)
        .select_related("home", "away")
        .order_by("-played_on", "-venue_known", "article_id")[: limit * 8]
    )
    kept: list[MatchResult] = []
    for row in rows:
        pair = {row.home_id, row.away_id}
        # Reports of one match land on its day or the next: within two days, it is the same one,
        # dated by its first report (the match day) unless only a later one knows the venue.
        same = next(
            (
                i
                for i, k in enumerate(kept)
                if {k.home_id, k.away_id} == pair and abs((k.played_on - row.played_on).days) <= 2
            ),
            None,
        )
        if same is None:
            if len(kept) == limit:
                break
            kept.append(row)
        elif row.played_on < kept[same].played_on and (row.venue_known or not kept[same].venue_known):
            kept[same] = row
    return kept
