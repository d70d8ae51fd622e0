"""League tables computed from results.

A table counts the matches of a season's league phase: rounds without a phase before a comma
("Matchday 3", "3. Round") or in a phase called "League" (the Champions League's). Play-offs,
knockout rounds and the like ("Championship, Matchday 1", "Finals, Final") have no table here.
Three points for a win, one for a draw; awarded matches count with the score they were awarded.
Clubs are ranked on points, then goal difference, then goals scored, then name.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.cache import cache

from articles.matches.versions import version
from articles.models import Club, Match

WIN, DRAW, LOSS = "W", "G", "V"  # winst, gelijk, verlies
FORM_LENGTH = 5
TABLE_PHASES = {"", "league"}
CACHE_SECONDS = 24 * 3600  # a safety net: the version in the key retires a table when matches change


def phase(round_name: str) -> str:
    """ "Championship, Matchday 1" → "Championship"; "Matchday 1" → ""."""
    head, comma, _rest = round_name.partition(",")
    return head.strip() if comma else ""


def counts_for_table(round_name: str) -> bool:
    return phase(round_name).lower() in TABLE_PHASES


@dataclass
class Row:
    club: Club
    played: int = 0
    won: int = 0
    drawn: int = 0
    lost: int = 0
    goals_for: int = 0
    goals_against: int = 0
    position: int = 0
    form: list[str] = field(default_factory=list)  # the last five results, oldest first

    @property
    def points(self) -> int:
        return 3 * self.won + self.drawn

    @property
    def goal_difference(self) -> int:
        return self.goals_for - self.goals_against

    def add(self, scored: int, conceded: int) -> None:
        self.played += 1
        self.goals_for += scored
        self.goals_against += conceded
        if scored > conceded:
            self.won += 1
            self.form.append(WIN)
        elif scored == conceded:
            self.drawn += 1
            self.form.append(DRAW)
        else:
            self.lost += 1
            self.form.append(LOSS)
        del self.form[:-FORM_LENGTH]


def compute(matches: Iterable[Match]) -> list[Row]:
    """The table of these matches (every club that has a fixture in them, played or not), from
    those of the league phase. Needs each match's home and away clubs loaded."""
    rows: dict[int, Row] = {}
    played = []
    for match in matches:
        if not counts_for_table(match.round):
            continue
        for club in (match.home, match.away):
            if club.pk not in rows:
                rows[club.pk] = Row(club)
        if match.home_goals is not None and match.away_goals is not None and match.status != Match.Status.POSTPONED:
            played.append(match)
    for match in sorted(played, key=lambda m: (m.kickoff, m.pk or 0)):
        rows[match.home_id].add(match.home_goals, match.away_goals)
        rows[match.away_id].add(match.away_goals, match.home_goals)
    table = sorted(rows.values(), key=lambda r: (-r.points, -r.goal_difference, -r.goals_for, r.club.name.casefold()))
    for position, row in enumerate(table, start=1):
        row.position = position
    return table


def season_matches(competition_id: int, season: str):
    return Match.objects.filter(competition_id=competition_id, season=season).select_related("home", "away")


def table(competition_id: int, season: str) -> list[Row]:
    """The season's table, cached until matches change."""
    key = f"standings:{version()}:{competition_id}:{season}"
    rows = cache.get(key)
    if rows is None:
        rows = compute(season_matches(competition_id, season).only(*TABLE_FIELDS))
        cache.set(key, rows, CACHE_SECONDS)
    return rows


TABLE_FIELDS = [
    "round",
    "kickoff",
    "status",
    "home_goals",
    "away_goals",
    "home_id",
    "away_id",
    "home__slug",
    "home__name",
    "away__slug",
    "away__name",
]
