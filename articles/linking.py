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


_WORD = re.compile(r"\w+")
_SENTENCE_BREAK = re.compile(r"[.!?;:]\s")


class Matcher:
    """Full names and aliases as a trie of words: one pass over the text, longest match first.

    Names match whole words with their capitals; the text between a name's words may differ only
    in spacing and light punctuation ("blauw-zwart", "blauw zwart"), never across a sentence.
    """

    END = object()  # the key under which a trie node keeps the entity its path spells

    def __init__(self, clubs, players):
        self.trie: dict = {}
        for club in clubs:
            for name in [club.name, *club.aliases]:
                self._add(name, "club", club.pk)
        for player in players:
            for name in [player.name, *player.aliases]:
                self._add(name, "player", player.pk)

    def _add(self, name, kind, pk):
        name = (name or "").strip()
        words = _WORD.findall(name)
        # Very short names are too easily a common word; a later linker weighs context for them.
        if len(name) < 4 or not words:
            return
        node = self.trie
        for word in words:
            node = node.setdefault(word, {})
        # A name two entities share is ambiguous: better no link than a wrong one.
        previous = node.get(self.END)
        node[self.END] = (kind, pk) if previous in (None, (kind, pk)) else ("ambiguous", 0)

    def find(self, text: str, field: str) -> list[Mention]:
        if not text:
            return []
        tokens = list(_WORD.finditer(text))
        root, end_key = self.trie, self.END
        found = []
        position, count = 0, len(tokens)
        while position < count:
            node = root.get(tokens[position].group())
            if node is None:  # the common case: this word starts no name
                position += 1
                continue
            best, last = node.get(end_key), position
            index = position + 1
            while index < count:
                gap_start, gap_end = tokens[index - 1].end(), tokens[index].start()
                if gap_end - gap_start > 1 and _SENTENCE_BREAK.search(text, gap_start, gap_end + 1):
                    break
                node = node.get(tokens[index].group())
                if node is None:
                    break
                if end_key in node:
                    best, last = node[end_key], index
                index += 1
            if best is None:
                position += 1
                continue
            start, end = tokens[position].start(), tokens[last].end()
            if best[0] != "ambiguous":
                found.append(Mention(best[0], best[1], start, end, text[start:end], field))
            position = last + 1
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
    link_articles([article], matcher)


def link_articles(articles, matcher: Matcher | None = None) -> int:
    """Link many articles with a few queries; returns how many articles' links changed."""
    matcher = matcher or get_matcher()
    articles = list(articles)
    clubs: dict[int, dict[int, list[dict]]] = {}
    players: dict[int, dict[int, list[dict]]] = {}
    for article in articles:
        by_entity: dict[tuple[str, int], list[dict]] = defaultdict(list)
        for mention in find_mentions(article, matcher):
            by_entity[(mention.kind, mention.entity_id)].append(mention.as_json())
        clubs[article.pk] = {pk: found for (kind, pk), found in by_entity.items() if kind == "club"}
        players[article.pk] = {pk: found for (kind, pk), found in by_entity.items() if kind == "player"}
    with transaction.atomic():
        changed = _apply(ArticleClub, "club_id", clubs) | _apply(ArticlePlayer, "player_id", players)
        if changed:
            # Bulk writes send no signals: the index must still learn that the links changed.
            Article.objects.filter(pk__in=changed).mark_index_stale()
    return len(changed)


def _apply(link_model, key, found: dict[int, dict[int, list[dict]]]) -> set[int]:
    """Make automatic links match `found` ({article: {entity: mentions}}); editor rows stay as they are."""
    existing: dict[int, dict[int, object]] = defaultdict(dict)
    for link in link_model.objects.filter(article_id__in=list(found)):
        existing[link.article_id][getattr(link, key)] = link
    gone, refreshed, new, changed = [], [], [], set()
    for article_id, entities in found.items():
        links = existing[article_id]
        for entity_id, link in links.items():
            if link.origin == LinkOrigin.EDITOR:
                continue
            if entity_id not in entities:
                gone.append(link.pk)
                changed.add(article_id)
            elif link.mentions != entities[entity_id] or link.state != LinkState.LINKED:
                link.mentions, link.state = entities[entity_id], LinkState.LINKED
                refreshed.append(link)
                changed.add(article_id)
        for entity_id, mentions in entities.items():
            if entity_id not in links:
                new.append(
                    link_model(
                        article_id=article_id,
                        origin=LinkOrigin.AUTO,
                        state=LinkState.LINKED,
                        mentions=mentions,
                        **{key: entity_id},
                    )
                )
                changed.add(article_id)
    if gone:
        link_model.objects.filter(pk__in=gone).delete()
    if refreshed:
        link_model.objects.bulk_update(refreshed, ["mentions", "state"], batch_size=500)
    if new:
        # ignore_conflicts: a concurrent run may have added the same link a moment ago.
        link_model.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    return changed
