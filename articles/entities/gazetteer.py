"""Loading the gazetteer of clubs and players (format in DESIGN.md), upserting by slug."""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from articles.models import Club, Player

SHIPPED_GAZETTEER = Path(__file__).resolve().parents[1] / "data" / "gazetteer.json"


class GazetteerError(ValueError):
    """The file cannot be loaded; the message names every bad entry."""


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_slugs: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _check_names(entry, where, errors):
    if not isinstance(entry.get("name"), str) or not entry["name"].strip():
        errors.append(f"{where}: 'name' must be a non-empty string")
    for key in ("aliases", "context_aliases", "adjectives"):
        names = entry.get(key, [])
        if not isinstance(names, list) or not all(isinstance(a, str) and a.strip() for a in names):
            errors.append(f"{where}: {key!r} must be a list of non-empty strings")


def _check_slug(entry, where, errors, seen):
    slug = entry.get("slug")
    if not isinstance(slug, str) or not slug or slugify(slug) != slug:
        errors.append(f"{where}: 'slug' must be a lower-case slug, not {slug!r}")
    elif slug in seen:
        errors.append(f"{where}: slug {slug!r} appears twice")
    seen.add(slug)


def _entries(data, key: str, errors, slugs: set[str]):
    """(where, entry) for each object in data[key] after the checks clubs and players share
    (slug, unique among `slugs`; names); anything that is not an object is an error."""
    for i, entry in enumerate(data.get(key, [])):
        where = f"{key}[{i}]" + (f" ({entry.get('slug')!r})" if isinstance(entry, dict) else "")
        if not isinstance(entry, dict):
            errors.append(f"{where}: must be an object")
            continue
        _check_slug(entry, where, errors, slugs)
        _check_names(entry, where, errors)
        yield where, entry


def validate(data) -> None:
    errors: list[str] = []
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("clubs", []), list)
        or not isinstance(data.get("players", []), list)
    ):
        raise GazetteerError('the file must be an object with "clubs" and "players" lists')
    club_slugs: set[str] = set()
    for where, club in _entries(data, "clubs", errors, club_slugs):
        if not isinstance(club.get("country"), str) or not 2 <= len(club["country"]) <= 3:
            errors.append(f"{where}: 'country' must be a 2- or 3-letter code")
    known_clubs = club_slugs | set(Club.objects.values_list("slug", flat=True))
    for where, player in _entries(data, "players", errors, set()):
        club = player.get("club") or ""
        if not isinstance(club, str) or (club and club not in known_clubs):
            errors.append(f"{where}: unknown club {club!r}")
    if errors:
        raise GazetteerError("; ".join(errors))


def read(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GazetteerError(f"no such file: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise GazetteerError(f"{path} is not valid JSON: {exc}") from None
    validate(data)
    return data


def _upsert(model, slug, values, report):
    obj = model.objects.filter(slug=slug).first()
    if obj is None:
        model.objects.create(slug=slug, **values)
        report.created += 1
        report.changed_slugs.append(slug)
        return
    if all(getattr(obj, name) == value for name, value in values.items()):
        report.unchanged += 1
        return
    for name, value in values.items():
        setattr(obj, name, value)
    obj.save()
    report.updated += 1
    report.changed_slugs.append(slug)


def _names(entry: dict, key: str) -> list[str]:
    return [name.strip() for name in entry.get(key, [])]


@transaction.atomic
def load(data: dict) -> LoadReport:
    report = LoadReport()
    for club in data.get("clubs", []):
        values = {
            "name": club["name"].strip(),
            "country": club["country"].upper(),
            "league": club.get("league", "").strip(),
            "aliases": _names(club, "aliases"),
            "context_aliases": _names(club, "context_aliases"),
            "adjectives": _names(club, "adjectives"),
        }
        _upsert(Club, club["slug"], values, report)
    club_ids = dict(Club.objects.values_list("slug", "pk"))
    for player in data.get("players", []):
        values = {
            "name": player["name"].strip(),
            "club_id": club_ids.get(player.get("club") or ""),
            "country": (player.get("country") or "").upper(),
            "aliases": _names(player, "aliases"),
            "context_aliases": _names(player, "context_aliases"),
        }
        _upsert(Player, player["slug"], values, report)
    return report
