"""Linking articles to the clubs and players they mention.

The matcher is compiled once from the gazetteer and rebuilt when the gazetteer version changes.
Editor decisions (links an editor added or rejected) are never touched by automatic linking.
"""

import re
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from articles.models import Article, ArticleClub, ArticlePlayer, Club, LinkOrigin, LinkState, Player

GAZETTEER_VERSION_KEY = "newsdesk:gazetteer-version"


@dataclass(frozen=True)
class Mention:
    kind: str  # "club" or "player"
    entity_id: int
    start: int
    end: int
    text: str
    field: str  # "title" or "body"

    def as_json(self):
        return {"start": self.start, "end": self.end, "text": self.text, "field": self.field}


class Matcher:
    """Full names and aliases, longest first, matched as whole words with their capitals."""

    def __init__(self, clubs, players):
        self.names: dict[str, tuple[str, int]] = {}
        for club in clubs:
            for name in [club.name, *club.aliases]:
                self._add(name, "club", club.pk)
        for player in players:
            for name in [player.name, *player.aliases]:
                self._add(name, "player", player.pk)
        alternatives = sorted(self.names, key=len, reverse=True)
        self.pattern = (
            re.compile(r"(?<!\w)(" + "|".join(re.escape(n) for n in alternatives) + r")(?!\w)")
            if alternatives
            else None
        )

    def _add(self, name, kind, pk):
        name = (name or "").strip()
        # Very short names are too easily a common word; a later linker weighs context for them.
        if len(name) < 4:
            return
        # A name two entities share is ambiguous: better no link than a wrong one.
        if name in self.names and self.names[name] != (kind, pk):
            self.names[name] = ("ambiguous", 0)
        else:
            self.names[name] = (kind, pk)

    def find(self, text: str, field: str) -> list[Mention]:
        if not self.pattern or not text:
            return []
        found = []
        for match in self.pattern.finditer(text):
            kind, pk = self.names[match.group(1)]
            if kind != "ambiguous":
                found.append(Mention(kind, pk, match.start(), match.end(), match.group(1), field))
        return found


_matcher: tuple[object, Matcher] | None = None


def bump_gazetteer_version() -> None:
    """Tell every process that clubs or players changed, so matchers are rebuilt."""
    cache.set(GAZETTEER_VERSION_KEY, uuid.uuid4().hex, timeout=None)


def get_matcher() -> Matcher:
    global _matcher
    # A random token, not a counter: a cache that lost the key (restart, eviction) gets a new
    # token and so a rebuild, never a stale matcher that happens to carry the same number.
    version = cache.get(GAZETTEER_VERSION_KEY)
    if version is None:
        cache.add(GAZETTEER_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(GAZETTEER_VERSION_KEY)
    if _matcher is None or _matcher[0] != version:
        _matcher = (
            version,
            Matcher(Club.objects.only("pk", "name", "aliases"), Player.objects.only("pk", "name", "aliases")),
        )
    return _matcher[1]


def find_mentions(article: Article, matcher: Matcher | None = None) -> list[Mention]:
    matcher = matcher or get_matcher()
    return matcher.find(article.title, "title") + matcher.find(article.body, "body")


def link_article(article: Article, matcher: Matcher | None = None) -> None:
    mentions = find_mentions(article, matcher)
    by_entity: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for mention in mentions:
        by_entity[(mention.kind, mention.entity_id)].append(mention.as_json())
    clubs = {pk: found for (kind, pk), found in by_entity.items() if kind == "club"}
    players = {pk: found for (kind, pk), found in by_entity.items() if kind == "player"}
    with transaction.atomic():
        _apply(article, ArticleClub, "club_id", clubs)
        _apply(article, ArticlePlayer, "player_id", players)


def _apply(article, link_model, key, found: dict[int, list[dict]]) -> None:
    """Make the automatic links match `found`; leave every editor row as the editor left it."""
    existing = {getattr(link, key): link for link in link_model.objects.filter(article=article)}
    for entity_id, link in existing.items():
        if link.origin == LinkOrigin.EDITOR:
            continue
        if entity_id not in found:
            link.delete()
        elif link.mentions != found[entity_id] or link.state != LinkState.LINKED:
            link.mentions = found[entity_id]
            link.state = LinkState.LINKED
            link.save(update_fields=["mentions", "state"])
    for entity_id, mentions in found.items():
        if entity_id not in existing:
            link_model.objects.create(
                article=article, origin=LinkOrigin.AUTO, state=LinkState.LINKED, mentions=mentions, **{key: entity_id}
            )
