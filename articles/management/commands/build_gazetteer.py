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

from articles.data.gazetteer_sources.clubs import ADJECTIVES, CLUBS, CONTEXT_WORDS
from articles.data.gazetteer_sources.openfootball import read_clubs
from articles.entities.gazetteer import SHIPPED_GAZETTEER as OUT

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
        clubs.append(
            {
                "slug": slug,
                "name": name,
                "country": country,
                "league": league,
                "aliases": unique,
                "context_aliases": [],
                "adjectives": ADJECTIVES.get(slug, []),
            }
        )
    return [_classify(club, clubs) for club in clubs]


def _classify(club: dict, clubs: list[dict]) -> dict:
    """Ordinary words and aliases two clubs share link only with context; another club's full
    name is never an alias ("Sporting" may be several clubs; "Lierse SK" is one)."""
    names = Counter(fold(c["name"]) for c in clubs)
    aliases = Counter(fold(a) for c in clubs for a in c["aliases"])
    context_words = {fold(w) for w in CONTEXT_WORDS}
    kept, context = [], []
    for alias in club["aliases"]:
        key = fold(alias)
        if names[key]:
            print(f"{club['slug']}: alias {alias!r} is another club's name, dropped")
        elif key in context_words or aliases[key] > 1:
            context.append(alias)
        else:
            kept.append(alias)
    if fold(club["name"]) in context_words:  # "Inter": its own name is an ordinary word
        context.insert(0, club["name"])
    return {**club, "aliases": kept, "context_aliases": context}


def build_players(club_slugs: set[str]) -> list[dict]:
    players = []
    for number, line in enumerate(PLAYERS.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        # An optional fifth column says "coach"; everyone else is a player.
        name, club, country, aliases, *role = (part.strip() for part in line.split("|"))
        alias_list = [a.strip() for a in aliases.split(";") if a.strip()]
        if club and club not in club_slugs:
            raise CommandError(f"{PLAYERS.name}:{number}: unknown club {club!r}")
        if role not in ([], [""], ["coach"]):
            raise CommandError(f"{PLAYERS.name}:{number}: the fifth column may only say 'coach', not {role!r}")
        players.append(
            {
                "slug": slugify(fold(name)),
                "name": name,
                "club": club,
                **({"role": "coach"} if role == ["coach"] else {}),
                "country": country,
                "aliases": [a for a in alias_list if len(a) > 3],
                # "KDB", "CDK": a few capitals link only where the article names him or his club.
                "context_aliases": [a for a in alias_list if len(a) <= 3],
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
