"""Reads the match pages, club pages and the API share: current seasons, rounds, a club's
fixtures and results, a match's coverage."""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.entities import results as text_results
from articles.matches import standings
from articles.matches.versions import version
from articles.models import Article, ArticleMatch, Club, Competition, LinkState, Match, MatchResult, Source, Story

PANEL_NEXT = 3
PANEL_LAST = 5


# What a line of a fixtures list (or a table row) reads of the related rows: not the clubs' name
# lists nor the reporting article's text, which made a season's 380 matches six times slower.
RELATED_FIELDS = [
    "home__slug",
    "home__name",
    "away__slug",
    "away__name",
    "competition__code",
    "competition__name",
    "competition__current_season",
    "reported_by__source__name",
]


def matches_with_clubs():
    """Matches with what a line of a fixtures list shows: clubs, competition, the reporting source."""
    fields = [field.name for field in Match._meta.concrete_fields]
    return Match.objects.select_related("home", "away", "competition", "reported_by__source").only(
        *fields, *RELATED_FIELDS
    )


_VALUE_FIELDS = [field.attname for field in Match._meta.concrete_fields]


def season_lines(matches) -> list[Match]:
    """`matches` (a queryset) as they are listed and counted in tables, read as plain values:
    a season is hundreds of matches between twenty clubs, and one Club instance per club (not
    two per match) and no other rows make it several times quicker than select_related."""
    rows = matches.values_list(*_VALUE_FIELDS, *RELATED_FIELDS)
    clubs: dict[int, Club] = {}
    competitions: dict[int, Competition] = {}
    sources: dict[str, Source] = {}
    lines = []
    width = len(_VALUE_FIELDS)
    for row in rows:
        match = Match.from_db(matches.db, _VALUE_FIELDS, row[:width])  # positional: the quick way in
        home_slug, home_name, away_slug, away_name, code, name, season, source = row[width:]
        if match.home_id not in clubs:
            clubs[match.home_id] = Club(pk=match.home_id, slug=home_slug, name=home_name)
        if match.away_id not in clubs:
            clubs[match.away_id] = Club(pk=match.away_id, slug=away_slug, name=away_name)
        if match.competition_id not in competitions:
            competitions[match.competition_id] = Competition(
                pk=match.competition_id, code=code, name=name, current_season=season
            )
        match.home, match.away = clubs[match.home_id], clubs[match.away_id]
        match.competition = competitions[match.competition_id]
        if match.reported_by_id is not None:
            reporter = Article(pk=match.reported_by_id)
            reporter.source = sources.setdefault(source, Source(name=source))
            match.reported_by = reporter
        lines.append(match)
    return lines


def current_season(competition: Competition) -> str | None:
    """The latest season that has the competition (kept on it by the import)."""
    return competition.current_season or None


@dataclass
class Round:
    name: str
    matches: list[Match] = field(default_factory=list)

    @property
    def starts(self) -> datetime:
        return min(m.kickoff for m in self.matches)

    @property
    def label(self) -> str:
        return round_label(self.name)


def rounds(matches) -> list[Round]:
    """Matches grouped by round, rounds in the order they start."""
    grouped: dict[str, Round] = {}
    for match in matches:
        grouped.setdefault(match.round, Round(match.round)).matches.append(match)
    for item in grouped.values():
        item.matches.sort(key=lambda m: (m.kickoff, m.pk))
    return sorted(grouped.values(), key=lambda r: r.starts)


def last_and_next(all_rounds: list[Round], now: datetime) -> tuple[Round | None, Round | None]:
    """The latest round that has started by `now`, and the first one that has not."""
    started = [r for r in all_rounds if r.starts <= now]
    upcoming = [r for r in all_rounds if r.starts > now]
    return (started[-1] if started else None, upcoming[0] if upcoming else None)


PHASES = {
    "league": gettext_lazy("Competitiefase"),
    "championship": gettext_lazy("Champions' play-offs"),
    "europe": gettext_lazy("Europe play-offs"),
    "relegation": gettext_lazy("Degradatieplay-offs"),
    "playoffs": gettext_lazy("Play-offs"),
    "ecl playoff": gettext_lazy("Barrage Conference League"),
    "finals": "",
}
STAGES = {
    "round of 16": gettext_lazy("Achtste finales"),
    "quarterfinals": gettext_lazy("Kwartfinales"),
    "semifinals": gettext_lazy("Halve finales"),
    "final": gettext_lazy("Finale"),
}


def round_label(name: str) -> str:
    """openfootball's round in Dutch: "Matchday 3" and "3. Round" → "Speeldag 3",
    "Championship, Matchday 1" → "Champions' play-offs, speeldag 1"."""
    phase, comma, rest = name.partition(",")
    if not comma:
        phase, rest = "", name
    rest = rest.strip()
    number = re.fullmatch(r"(?:matchday|round|speeldag)\s+(\d+)|(\d+)\.\s*round", rest, re.IGNORECASE)
    if number:
        part = _("Speeldag %(number)s") % {"number": number[1] or number[2]}
    else:
        part = str(STAGES.get(rest.lower(), rest))
    phase_label = str(PHASES.get(phase.strip().lower(), phase.strip())) if phase else ""
    if phase_label and part:
        return f"{phase_label}, {part[0].lower()}{part[1:]}"
    return phase_label or part


@dataclass
class ClubPanel:
    """What a club page shows of the fixtures data."""

    upcoming: list[Match]
    recent: list[Match]
    places: list[tuple[Competition, str, standings.Row]]  # (competition, season, the club's row)
    text_results: list[MatchResult]  # scores the news gave for matches the data does not have


def current_matches_around(club: Club):
    """Every match of the current season of each competition the club plays in that season:
    its own fixtures and the rows of its tables, in one query."""
    current = Q(season=F("competition__current_season"))
    playing = Match.objects.filter(current, Q(home=club) | Q(away=club)).values("competition_id")
    return matches_with_clubs().filter(current, competition_id__in=playing).order_by("kickoff", "pk")


def club_matches(club: Club) -> list[Match]:
    """The club's matches of the current seasons, in kick-off order."""
    return list(
        matches_with_clubs()
        .filter(Q(home=club) | Q(away=club), season=F("competition__current_season"))
        .order_by("kickoff", "pk")
    )


def club_panel(club: Club, now: datetime) -> ClubPanel:
    around = season_lines(current_matches_around(club))
    own = [m for m in around if club.pk in (m.home_id, m.away_id)]
    upcoming = [m for m in own if m.kickoff > now and not m.has_score][:PANEL_NEXT]
    recent = [m for m in own if m.kickoff <= now and (m.has_score or m.has_reported_score)][-PANEL_LAST:][::-1]
    seasons: dict[int, list[Match]] = {}
    for match in around:
        seasons.setdefault(match.competition_id, []).append(match)
    places = []
    for matches in seasons.values():
        row = next((r for r in standings.compute(matches) if r.club.pk == club.pk), None)
        if row is not None and row.played:
            places.append((matches[0].competition, matches[0].season, row))
    places.sort(key=lambda place: place[0].code)
    return ClubPanel(upcoming, recent, places, text_only_results(club, own))


PANEL_SECONDS = 600  # next fixtures move on as matches kick off: a panel is kept ten minutes at most


def cached_club_panel(club: Club, now: datetime) -> ClubPanel:
    """club_panel, shared by every page of the club's articles (each query string is a page of
    its own in the template cache) until matches change or ten minutes pass."""
    key = f"matches:panel:{version()}:{club.pk}:{int(now.timestamp()) // PANEL_SECONDS}"
    panel = cache.get(key)
    if panel is None:
        panel = club_panel(club, now)
        cache.set(key, panel, PANEL_SECONDS)
    return panel


def text_only_results(club: Club, known: list[Match], limit: int = 6) -> list[MatchResult]:
    """The scores the news gave for the club's matches that the fixtures data does not hold (a
    cup match, a friendly): as club pages always showed them."""
    days = {}
    for match in known:
        days.setdefault(frozenset((match.home_id, match.away_id)), []).append(match.kickoff.date())
    kept = []
    for result in text_results.recent_results(club, limit=limit * 2):
        dates = days.get(frozenset((result.home_id, result.away_id)), [])
        if any(timedelta(days=-1) <= result.played_on - day <= timedelta(days=2) for day in dates):
            continue
        kept.append(result)
    return kept[:limit]


def coverage(match: Match) -> tuple[list[Article], list[Article], list[Story]]:
    """(previews, reports) tied to the match, oldest first, and the stories they are in."""
    ties = ArticleMatch.objects.filter(match=match, state=LinkState.LINKED).values("article_id")
    articles = list(
        Article.objects.published()
        .filter(pk__in=ties)
        .select_related("source", "story")
        .defer("body", "body_html", "related_ids")
        .order_by("published_at", "pk")
    )
    previews = [a for a in articles if a.published_at < match.kickoff]
    reports = [a for a in articles if a.published_at >= match.kickoff]
    stories, seen = [], set()
    for article in articles:
        if article.story_id and article.story_id not in seen and article.story.article_count:
            seen.add(article.story_id)
            stories.append(article.story)
    return previews, reports, stories


def with_article_counts(matches):
    """Matches with `articles_count`: the published articles tied to each."""
    tied = Q(
        article_links__state=LinkState.LINKED,
        article_links__article__status=Article.Status.PUBLISHED,
        article_links__article__duplicate_of__isnull=True,
    )
    return matches.annotate(articles_count=Count("article_links", filter=tied))
