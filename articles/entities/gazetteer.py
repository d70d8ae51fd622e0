"""Loading the gazetteer of clubs and players (format in DESIGN.md), upserting by slug.

The file is the baseline and the admin wins: each row keeps what the file last gave it
(`shipped`), so a load can tell a field an editor changed from one the file changed."""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from articles.models import Club, GazetteerDeletion, Player

SHIPPED_GAZETTEER = Path(__file__).resolve().parents[1] / "data" / "gazetteer.json"


class GazetteerError(ValueError):
    """The file cannot be loaded; the message names every bad entry."""


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_slugs: list[str] = field(default_factory=list)
    # "club anderlecht: name": a field where an editor's value won over the file's.
    kept: list[str] = field(default_factory=list)
    # "player hans-vanaken": in the file, deleted by an editor, not re-created.
    deleted: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


NAME_LENGTH = 200  # Club.name, Player.name
SLUG_LENGTH = 100  # Club.slug, Player.slug


def _check_names(entry, where, errors):
    if not isinstance(entry.get("name"), str) or not entry["name"].strip():
        errors.append(f"{where}: 'name' must be a non-empty string")
    elif len(entry["name"]) > NAME_LENGTH:
        errors.append(f"{where}: 'name' is longer than {NAME_LENGTH} characters")
    # PostgreSQL text cannot hold NUL; refused here with its place instead of a database error.
    if any("\x00" in value for value in _strings(entry)):
        errors.append(f"{where}: holds a NUL character")
    for key in ("aliases", "context_aliases", "adjectives"):
        names = entry.get(key, [])
        if not isinstance(names, list) or not all(isinstance(a, str) and a.strip() for a in names):
            errors.append(f"{where}: {key!r} must be a list of non-empty strings")


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _check_slug(entry, where, errors, seen):
    slug = entry.get("slug")
    if not isinstance(slug, str) or not slug or slugify(slug) != slug:
        errors.append(f"{where}: 'slug' must be a lower-case slug, not {slug!r}")
    elif len(slug) > SLUG_LENGTH:
        errors.append(f"{where}: 'slug' is longer than {SLUG_LENGTH} characters")
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
        if (player.get("role") or Player.Role.PLAYER) not in Player.Role.values:
            errors.append(f"{where}: 'role' must be one of {', '.join(map(repr, Player.Role.values))}")
    if errors:
        raise GazetteerError("; ".join(errors))


def read(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GazetteerError(f"no such file: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise GazetteerError(f"{path} is not valid JSON: {exc}") from None
    except RecursionError:
        raise GazetteerError(f"{path} is not valid JSON: nested too deeply") from None
    validate(data)
    return data


def _names(entry: dict, key: str) -> list[str]:
    return [name.strip() for name in entry.get(key, [])]


# The fields the file gives, in its shape: a player's club is its slug ("" for none).
FIELDS = {
    Club: ("name", "country", "league", "aliases", "context_aliases", "adjectives"),
    Player: ("name", "club", "role", "country", "aliases", "context_aliases"),
}
# What a row's `shipped` means by a field that files written before the field existed lack.
SHIPPED_DEFAULTS = {"role": Player.Role.PLAYER}
NAME_LISTS = frozenset({"aliases", "context_aliases", "adjectives"})
KINDS = {Club: GazetteerDeletion.Kind.CLUB, Player: GazetteerDeletion.Kind.PLAYER}


def club_entry(club: dict) -> dict:
    """A club of the file as the database keeps it: trimmed names, an upper-case country."""
    return {
        "name": club["name"].strip(),
        "country": club["country"].upper(),
        "league": club.get("league", "").strip(),
        "aliases": _names(club, "aliases"),
        "context_aliases": _names(club, "context_aliases"),
        "adjectives": _names(club, "adjectives"),
    }


def player_entry(player: dict) -> dict:
    return {
        "name": player["name"].strip(),
        "club": player.get("club") or "",
        "role": player.get("role") or Player.Role.PLAYER,
        "country": (player.get("country") or "").upper(),
        "aliases": _names(player, "aliases"),
        "context_aliases": _names(player, "context_aliases"),
    }


def current(obj) -> dict:
    """A club's or player's values in the file's shape."""
    values = {name: getattr(obj, name) for name in FIELDS[type(obj)] if name != "club"}
    if isinstance(obj, Player):
        values["club"] = obj.club.slug if obj.club_id else ""
    return values


def edited_fields(obj) -> list[str]:
    """The fields an editor changed from what the file last gave this row (all for a row the file
    never gave)."""
    ours = current(obj)
    if obj.shipped is None:
        return list(ours)
    return [name for name, value in ours.items() if obj.shipped.get(name, SHIPPED_DEFAULTS.get(name)) != value]


def merge(name: str, theirs, ours, base):
    """What a load leaves in one field: the file's value (`theirs`) where the row still holds what
    the file last gave it (`base`); otherwise the editor's (`ours`). A list of names takes the
    file's list with the editor's additions and removals applied: a name the file adds arrives,
    one the editor removed stays removed, one the editor added stays."""
    if ours == base:
        return theirs
    if name not in NAME_LISTS:
        return ours
    base = base or []
    removed = {n for n in base if n not in ours}
    added = [n for n in ours if n not in base and n not in theirs]
    return [n for n in theirs if n not in removed] + added


def _load_entry(model, obj, slug: str, theirs: dict, model_values, report: LoadReport, deleted) -> None:
    kind = KINDS[model]
    if (kind, slug) in deleted:
        report.deleted.append(f"{kind} {slug}")
        return
    if obj is None:
        model.objects.create(slug=slug, shipped=theirs, **model_values(theirs))
        report.created += 1
        report.changed_slugs.append(slug)
        return
    ours = current(obj)
    base = obj.shipped or {}
    merged = {}
    for name, value in theirs.items():
        merged[name] = merge(name, value, ours[name], base.get(name, SHIPPED_DEFAULTS.get(name)))
        if merged[name] != value:
            report.kept.append(f"{kind} {slug}: {name}")
    values = model_values(merged)
    if all(getattr(obj, name) == value for name, value in values.items()):
        if obj.shipped != theirs:
            # Only the record of the file moved: no signal, since nothing anyone reads changed.
            model.objects.filter(pk=obj.pk).update(shipped=theirs)
        report.unchanged += 1
        return
    for name, value in values.items():
        setattr(obj, name, value)
    obj.shipped = theirs
    obj.save()
    report.updated += 1
    report.changed_slugs.append(slug)


@transaction.atomic
def load(data: dict) -> LoadReport:
    """Upsert by slug, the file being the baseline and the admin winning: see `merge`. A club or
    player an editor deleted in the admin is not re-created (GazetteerDeletion)."""
    report = LoadReport()
    deleted = set(GazetteerDeletion.objects.values_list("kind", "slug"))
    clubs = {club.slug: club for club in Club.objects.all()}
    for club in data.get("clubs", []):
        _load_entry(Club, clubs.get(club["slug"]), club["slug"], club_entry(club), dict, report, deleted)
    club_ids = dict(Club.objects.values_list("slug", "pk"))

    def player_values(entry):
        values = {name: value for name, value in entry.items() if name != "club"}
        values["club_id"] = club_ids.get(entry["club"])
        return values

    players = {player.slug: player for player in Player.objects.select_related("club")}
    for player in data.get("players", []):
        entry = player_entry(player)
        _load_entry(Player, players.get(player["slug"]), player["slug"], entry, player_values, report, deleted)
    return report


def record_deletion(model, slug: str) -> None:
    """An editor deleted this club or player (or moved it to another slug): loads leave it out."""
    GazetteerDeletion.objects.update_or_create(kind=KINDS[model], slug=slug, defaults={"deleted_at": timezone.now()})


def clear_deletion(model, slug: str) -> None:
    """An editor created this slug again: it is theirs, and the file may merge into it."""
    GazetteerDeletion.objects.filter(kind=KINDS[model], slug=slug).delete()
