"""Importing openfootball's football.json files: one season of one competition per file.

    {"name": "Belgium First Division A 2025/26",
     "matches": [{"round": "1. Round", "date": "2025-07-25", "time": "19:45",
                  "team1": "Royal Antwerp FC", "team2": "Union Saint-Gilloise",
                  "score": {"ht": [1, 0], "ft": [1, 1]}}, ...]}

The competition code is the file's name (`be.1.json` → `be.1`), the season its folder
(`2025-26/`). Times are local to the competition's country (openfootball writes them so); a
match without a time is stored at midnight with `time_known` false. A whole file is checked
before anything is written, and written in one transaction: a bad date, a score that is not two
numbers, or a team the gazetteer does not know (or knows twice) stops it with the file, the
match and the reason, and leaves the database as it was. Importing the same file again changes
nothing; a changed file updates its matches in place (a match is its competition, season, round
and clubs), so their addresses and the articles tied to them stay.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from datetime import timezone as fixed_offset
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify

from articles.entities.linking import fold
from articles.matches import reconcile, tying
from articles.matches.versions import bump_version
from articles.models import Club, Competition, Match

SEASON = re.compile(r"\d{4}-\d{2}")
CODE = re.compile(r"[a-z]{2,5}\.[a-z0-9]{1,4}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TIME = re.compile(r"(\d{1,2}):(\d{2})(?:\s*UTC([+-]\d{1,2}))?")
COUNTRY_SUFFIX = re.compile(r"\s*\([A-Z]{3}\)\s*$")  # "Club Brugge KV (BEL)" in the Champions League
_WORDS = re.compile(r"\w+")

# openfootball writes kick-off times in the competition's own local time.
ZONES = {
    "be": "Europe/Brussels",
    "nl": "Europe/Amsterdam",
    "en": "Europe/London",
    "sco": "Europe/London",
    "de": "Europe/Berlin",
    "es": "Europe/Madrid",
    "fr": "Europe/Paris",
    "it": "Europe/Rome",
    "pt": "Europe/Lisbon",
    "uefa": "Europe/Brussels",  # Central European Time
}
# The names our readers know the competitions by; others keep the file's name. Set when a
# competition is first imported: a name an editor gives it in the admin stays.
NAMES = {
    "be.1": "Jupiler Pro League",
    "nl.1": "Eredivisie",
    "en.1": "Premier League",
    "de.1": "Bundesliga",
    "es.1": "La Liga",
    "fr.1": "Ligue 1",
    "it.1": "Serie A",
    "pt.1": "Liga Portugal",
    "uefa.cl": "Champions League",
}
STATUSES = {
    "awarded": Match.Status.AWARDED,
    "postponed": Match.Status.POSTPONED,
    "abandoned": Match.Status.POSTPONED,
    "cancelled": Match.Status.POSTPONED,
    "canceled": Match.Status.POSTPONED,
}


class FixturesError(ValueError):
    """A file that cannot be imported; the message names the file, the match and the reason."""


@dataclass(frozen=True)
class Fixture:
    """One match as the file gives it, checked."""

    number: int  # its place in the file, from 1
    round: str
    team1: str
    team2: str
    kickoff: datetime
    time_known: bool
    status: str
    home_goals: int | None
    away_goals: int | None
    home_penalties: int | None
    away_penalties: int | None

    @property
    def label(self) -> str:
        return f"match {self.number} ({self.team1} – {self.team2}, {self.round})"


@dataclass
class ImportReport:
    competition: str
    season: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    changed_ids: list[int] = field(default_factory=list)

    def __str__(self):
        return (
            f"{self.competition} {self.season}: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.deleted} deleted"
        )


def identify(path: Path) -> tuple[str, str]:
    """(competition code, season) of a file: `2025-26/be.1.json` → ("be.1", "2025-26")."""
    code = path.name.removesuffix(".json")
    season = path.parent.name
    if not CODE.fullmatch(code):
        raise FixturesError(f"{path}: the file name must be a competition code such as be.1.json")
    if not SEASON.fullmatch(season):
        raise FixturesError(f"{path}: the file must be in a season's folder such as 2025-26/")
    return code, season


def zone_for(code: str) -> ZoneInfo:
    return ZoneInfo(ZONES.get(code.split(".", 1)[0], "Europe/Brussels"))


def _score(value, key: str, where: str) -> tuple[int, int] | None:
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(goals, int) and not isinstance(goals, bool) and 0 <= goals < 100 for goals in value)
    ):
        raise FixturesError(f"{where}: score {key!r} is not two numbers: {value!r}")
    return value[0], value[1]


def _fixture(number: int, raw, label: str, zone: ZoneInfo) -> Fixture:
    where = f"{label}: match {number}"
    if not isinstance(raw, dict):
        raise FixturesError(f"{where}: not an object")
    for key in ("round", "date", "team1", "team2"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise FixturesError(f"{where}: no {key}")
    round_name, team1, team2 = raw["round"].strip(), raw["team1"].strip(), raw["team2"].strip()
    where = f"{label}: match {number} ({team1} – {team2}, {round_name})"
    if team1 == team2:
        raise FixturesError(f"{where}: a team cannot play itself")
    try:
        if not DATE.fullmatch(raw["date"]):
            raise ValueError
        day = date.fromisoformat(raw["date"])
    except ValueError:
        raise FixturesError(f"{where}: the date {raw['date']!r} does not parse (YYYY-MM-DD)") from None
    clock, time_known, tz = time(0, 0), False, zone
    if raw.get("time") not in (None, ""):
        found = TIME.fullmatch(str(raw["time"]).strip())
        try:
            if not found:
                raise ValueError
            clock = time(int(found[1]), int(found[2]))
        except ValueError:
            raise FixturesError(f"{where}: the time {raw['time']!r} does not parse (HH:MM)") from None
        time_known = True
        if found[3]:  # "20:45 UTC+1"
            tz = fixed_offset(timedelta(hours=int(found[3])))
    score = raw.get("score") or {}
    if not isinstance(score, dict):
        raise FixturesError(f"{where}: the score is not an object: {score!r}")
    full_time = _score(score.get("ft"), "ft", where)
    extra_time = _score(score.get("et"), "et", where)
    penalties = _score(score.get("p"), "p", where)
    _score(score.get("ht"), "ht", where)
    final = extra_time or full_time
    raw_status = raw.get("status")
    if raw_status not in (None, "") and raw_status not in STATUSES:
        raise FixturesError(f"{where}: unknown status {raw_status!r}")
    status = STATUSES.get(raw_status) if raw_status else None
    if status == Match.Status.POSTPONED:
        final = penalties = None
    elif final is None and (penalties or extra_time):
        raise FixturesError(f"{where}: a score after extra time or penalties without the full-time score")
    elif status is None:
        status = Match.Status.PLAYED if final else Match.Status.SCHEDULED
    elif final is None:  # awarded without a score
        raise FixturesError(f"{where}: status {raw_status!r} without a score")
    return Fixture(
        number=number,
        round=round_name[:100],
        team1=team1,
        team2=team2,
        kickoff=datetime.combine(day, clock, tzinfo=tz),
        time_known=time_known,
        status=status,
        home_goals=final[0] if final else None,
        away_goals=final[1] if final else None,
        home_penalties=penalties[0] if penalties else None,
        away_penalties=penalties[1] if penalties else None,
    )


def parse(data, label: str, code: str) -> tuple[str, list[Fixture]]:
    """(the competition's name, its fixtures) from a decoded file; FixturesError when bad."""
    if not isinstance(data, dict) or not isinstance(data.get("matches"), list):
        raise FixturesError(f"{label}: not a football.json file (no list of matches)")
    zone = zone_for(code)
    fixtures = [_fixture(number, raw, label, zone) for number, raw in enumerate(data["matches"], start=1)]
    seen: dict[tuple[str, str, str], Fixture] = {}
    for fixture in fixtures:
        key = (fixture.round, fixture.team1, fixture.team2)
        if key in seen:
            raise FixturesError(f"{label}: {fixture.label}: the same as match {seen[key].number}")
        seen[key] = fixture
    name = data.get("name") if isinstance(data.get("name"), str) else ""
    # "Belgium First Division A 2025/26" → "Belgium First Division A"
    name = re.sub(r"\s+\d{4}(?:/\d{2,4})?$", "", name.strip()) or code
    return name[:200], fixtures


def _key(name: str) -> str:
    return " ".join(_WORDS.findall(fold(name)))


class TeamResolver:
    """Team names to clubs through the gazetteer's names and aliases (accents and capitals
    folded). A name that resolves to no club, or to two, is reported, never guessed."""

    def __init__(self, clubs=None):
        self.index: dict[str, set[int]] = {}
        self.clubs: dict[int, Club] = {}
        for club in clubs if clubs is not None else Club.objects.only("pk", "slug", "name", "aliases"):
            self.clubs[club.pk] = club
            for name in [club.name, *(club.aliases or [])]:
                if key := _key(name):
                    self.index.setdefault(key, set()).add(club.pk)

    def candidates(self, name: str) -> set[int]:
        found = self.index.get(_key(name), set())
        if not found and COUNTRY_SUFFIX.search(name):
            found = self.index.get(_key(COUNTRY_SUFFIX.sub("", name)), set())
        return found

    def resolve_all(self, names, label: str) -> dict[str, int]:
        resolved, unknown, ambiguous = {}, [], []
        for name in sorted(set(names)):
            found = self.candidates(name)
            if len(found) == 1:
                resolved[name] = next(iter(found))
            elif not found:
                unknown.append(name)
            else:
                slugs = ", ".join(sorted(self.clubs[pk].slug for pk in found))
                ambiguous.append(f"{name} ({slugs})")
        problems = []
        if unknown:
            problems.append("no club in the gazetteer for " + "; ".join(unknown))
        if ambiguous:
            problems.append("more than one club for " + "; ".join(ambiguous))
        if problems:
            raise FixturesError(f"{label}: " + ". ".join(problems) + " (add the name as an alias of its club)")
        return resolved


FIELDS = ["kickoff", "time_known", "status", "home_goals", "away_goals", "home_penalties", "away_penalties"]


def _slug(home: Club, away: Club, code: str, season: str, round_name: str, taken: set[str]) -> str:
    """A readable address that never changes: the clubs and the season, then the competition and
    round only where the clubs meet more than once."""
    base = slugify(f"{home.slug} {away.slug} {season}")[:150]
    for candidate in (base, slugify(f"{base} {code}"), slugify(f"{base} {code} {round_name}")[:200]):
        if candidate not in taken:
            return candidate
    number = 2
    while f"{candidate}-{number}"[:200] in taken:
        number += 1
    return f"{candidate}-{number}"[:200]


def import_document(data, code: str, season: str, label: str, resolver: TeamResolver | None = None) -> ImportReport:
    """Import a decoded football.json document as `code` `season`; all or nothing."""
    if not CODE.fullmatch(code) or not SEASON.fullmatch(season):
        raise FixturesError(f"{label}: not a competition code and season: {code!r} {season!r}")
    name, fixtures = parse(data, label, code)
    resolver = resolver or TeamResolver()
    clubs = resolver.resolve_all([n for f in fixtures for n in (f.team1, f.team2)], label)
    report = ImportReport(code, season)
    with transaction.atomic():
        competition, _created = Competition.objects.get_or_create(code=code, defaults={"name": NAMES.get(code, name)})
        existing = {
            (m.round, m.home_id, m.away_id): m for m in Match.objects.filter(competition=competition, season=season)
        }
        wanted = {(f.round, clubs[f.team1], clubs[f.team2]): f for f in fixtures}
        gone = [m.pk for key, m in existing.items() if key not in wanted]
        if gone:
            Match.objects.filter(pk__in=gone).delete()
            report.deleted = len(gone)
        new_keys = [key for key in wanted if key not in existing]
        taken = set()
        if new_keys:  # the addresses these clubs' other meetings have (other seasons, competitions)
            homes = {home for _round, home, _away in new_keys}
            taken = set(Match.objects.filter(home_id__in=homes).values_list("slug", flat=True))
        retimed, new = [], []
        for key, fixture in wanted.items():
            values = {name: getattr(fixture, name) for name in FIELDS}
            match = existing.get(key)
            if match is None:
                home, away = resolver.clubs[key[1]], resolver.clubs[key[2]]
                slug = _slug(home, away, code, season, fixture.round, taken)
                taken.add(slug)
                new.append(
                    Match(
                        competition=competition,
                        season=season,
                        round=fixture.round,
                        home=home,
                        away=away,
                        slug=slug,
                        **values,
                    )
                )
                continue
            changed = [name for name, value in values.items() if getattr(match, name) != value]
            if not changed:
                report.unchanged += 1
                continue
            if "kickoff" in changed:
                retimed.append(match.pk)
            for name in changed:
                setattr(match, name, values[name])
            match.save(update_fields=[*changed, "updated_at"])
            report.updated += 1
            report.changed_ids.append(match.pk)
        if new:
            created_rows = Match.objects.bulk_create(new, batch_size=500)
            report.created = len(created_rows)
            ids = [m.pk for m in created_rows if m.pk is not None]
            if len(ids) != len(created_rows):  # a backend that does not return ids
                ids = list(Match.objects.filter(slug__in=[m.slug for m in created_rows]).values_list("pk", flat=True))
            report.changed_ids += ids
            retimed += ids
        latest = Match.objects.filter(competition=competition).aggregate(latest=Max("season"))["latest"] or ""
        if competition.current_season != latest:
            Competition.objects.filter(pk=competition.pk).update(current_season=latest)
        if report.changed_ids or report.deleted:
            tying.tie_matches(retimed)
            reconcile.reconcile(report.changed_ids)
            transaction.on_commit(bump_version)
    return report


def read_file(path: Path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FixturesError(f"{path}: not readable as JSON: {exc}") from None


def import_file(path: Path, resolver: TeamResolver | None = None) -> ImportReport:
    path = Path(path)
    code, season = identify(path)
    return import_document(read_file(path), code, season, str(path), resolver)
