"""Build articles/data/gazetteer.json from openfootball's club lists (CC0) and our own lists.

    python manage.py build_gazetteer ../shared/data/openfootball-clubs

Club names and aliases come from openfootball (https://github.com/openfootball/clubs, CC0,
public domain); the Dutch-language nicknames and the players are the newsdesk team's own.
"""

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from articles.data.gazetteer_sources.clubs import CLUBS
from articles.data.gazetteer_sources.openfootball import read_clubs
from articles.gazetteer import SHIPPED_GAZETTEER as OUT

PLAYERS = Path(__file__).resolve().parents[2] / "data" / "gazetteer_sources" / "players.txt"
_LANG_TAG = re.compile(r"\s*\[[a-z]{2}\]\s*$")


def usable_alias(alias: str) -> bool:
    """openfootball abbreviates names for tables ("Bayern Mün.", "Galat. İstanbul"); readers don't."""
    for token in alias.split():
        if token.endswith(".") and len(token) > 2 and token not in {"St.", "N.E.C."}:
            return False
    return len(alias) > 1


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def build_clubs(openfootball_dir: Path) -> list[dict]:
    known: dict[str, list[str]] = {}
    for path in sorted(openfootball_dir.glob("europe/*/*.clubs.txt")):
        for name, aliases in read_clubs(path).items():
            known.setdefault(name, aliases)
    clubs = []
    for country, league, of_name, slug, name, extra in CLUBS:
        aliases = []
        if of_name is not None:
            if of_name not in known:
                raise CommandError(f"openfootball has no club named {of_name!r}")
            aliases = [of_name, *known[of_name]]
        aliases = [_LANG_TAG.sub("", a).strip() for a in [*aliases, *extra]]
        seen = {fold(name)}
        unique = []
        for alias in aliases:
            if usable_alias(alias) and fold(alias) not in seen:
                seen.add(fold(alias))
                unique.append(alias)
        clubs.append({"slug": slug, "name": name, "country": country, "league": league, "aliases": unique})
    # An alias two of our clubs share ("Racing", a city) would link the wrong club: drop it from both.
    counts = Counter(fold(a) for club in clubs for a in {fold(x) for x in [club["name"], *club["aliases"]]})
    for club in clubs:
        dropped = [a for a in club["aliases"] if counts[fold(a)] > 1]
        club["aliases"] = [a for a in club["aliases"] if counts[fold(a)] == 1]
        if dropped:
            print(f"{club['slug']}: shared aliases dropped: {dropped}")
    return clubs


def build_players(club_slugs: set[str]) -> list[dict]:
    players = []
    for number, line in enumerate(PLAYERS.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        name, club, country, aliases = (part.strip() for part in line.split("|"))
        if club and club not in club_slugs:
            raise CommandError(f"{PLAYERS.name}:{number}: unknown club {club!r}")
        players.append(
            {
                "slug": slugify(fold(name)),
                "name": name,
                "club": club,
                "country": country,
                "aliases": [a.strip() for a in aliases.split(";") if a.strip()],
            }
        )
    slugs = Counter(p["slug"] for p in players)
    if duplicates := [s for s, n in slugs.items() if n > 1]:
        raise CommandError(f"two players share a slug: {duplicates}")
    return players


class Command(BaseCommand):
    help = "Rebuild the shipped gazetteer from openfootball's club lists and our own nicknames and players."

    def add_arguments(self, parser):
        parser.add_argument("openfootball_dir", nargs="?", default="../shared/data/openfootball-clubs")
        parser.add_argument("--output", default=str(OUT))

    def handle(self, *args, openfootball_dir, output, **options):
        if not Path(openfootball_dir).is_dir():
            raise CommandError(f"no such folder: {openfootball_dir}")
        clubs = build_clubs(Path(openfootball_dir))
        players = build_players({c["slug"] for c in clubs})
        data = {
            "credits": "Club names and aliases: openfootball/clubs (CC0-1.0, public domain). "
            "Dutch nicknames and players: the newsdesk team.",
            "clubs": clubs,
            "players": players,
        }
        Path(output).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        self.stdout.write(f"{output}: {len(clubs)} clubs, {len(players)} players")
