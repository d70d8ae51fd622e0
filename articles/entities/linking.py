"""Linking articles to the clubs and players they mention.

A wrong link is worse than a missing one. Every name in the gazetteer becomes a *variant* with a
rule saying when it may link:

- NAME, a full name ("Club Brugge", "Kevin De Bruyne"): case- and accent-insensitive.
- ALIAS ("Anderlecht", "blauw-zwart", "de Koninklijken"): accent-insensitive, capitals as written.
- CONTEXT ("City", "Real", "OM", "KDB", and any name two entities share): capitals as written,
  and only where the article supports exactly one candidate: the entity named in full elsewhere,
  one of its players (for a club) or its club (for a player), or a club of the same league.
- ADJECTIVE ("Anderlechtse", "Genks", "Brugse"): only before a football noun ("de Brugse spits"),
  and, when several clubs share it, only with the support a CONTEXT name needs.
- SURNAME ("Vanaken"), derived from players' full names: when one player carries it, alone;
  when several do ("Lukaku"), only if exactly one of them was named in full earlier.

Names are matched with a trie of accent-folded, lower-cased words in one pass, longest match
first, so "Cercle Brugge" never yields Club Brugge and "Real Sociedad" never Real Madrid. A
one-word club name after "in" or "te" is the town, not the club ("in Genk").

The matcher is compiled once and rebuilt when the gazetteer version changes. Editor decisions
(links an editor added or rejected) are never touched by automatic linking.
"""

import enum
import re
import threading
import unicodedata
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from articles import hooks
from articles.bulk import update_rows
from articles.entities import results
from articles.models import Article, ArticleClub, ArticlePlayer, Club, LinkOrigin, LinkState, Player

GAZETTEER_VERSION_KEY = "newsdesk:gazetteer-version"
RELINK_BATCH = 500

# The word before a one-word club name that makes it the town: "in Genk", "te Anderlecht".
LOCATIVES = frozenset({"in", "te", "nabij", "rond", "stad", "gemeente", "centrum", "binnenstad"})
# The word after an adjective that makes it the club: "de Anderlechtse middenvelder".
CLUB_NOUNS = frozenset(
    """aanvaller aanvallers aanvoerder aanwinst aanwinsten back backs bestuur bestuurders
    captain ceo club coach debutant doelman doelmannen doelpuntenmaker elftal fans flankspeler
    jeugdproduct jeugdspeler kapitein keeper keepers kern middenvelder middenvelders nummer
    ploeg ploegmaats speler spelers spits spitsen sterkhouder supporters t1 talent team topschutter
    trainer verdediger verdedigers voorzitter winger youngster directeur""".split()
)
# Derived surnames that are not surnames: "Vinícius Júnior" is not "Júnior".
NOT_SURNAMES = frozenset({"junior", "jr", "filho", "neto", "sobrinho"})


class Rule(enum.IntEnum):
    """How a name may link; a lower value is a stronger claim."""

    NAME = 0
    ALIAS = 1
    SURNAME = 2
    ADJECTIVE = 3
    CONTEXT = 4


@dataclass(frozen=True)
class Variant:
    kind: str  # "club" or "player"
    entity_id: int
    rule: Rule
    words: tuple[str, ...]  # the name's words as written, for the capitals check


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


def _fold_table() -> dict[int, str]:
    """Lower-case and strip diacritics one character for one character, so offsets survive."""
    table = {code: chr(code + 32) for code in range(ord("A"), ord("Z") + 1)}
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = unicodedata.normalize("NFKD", char)[0].lower()
        if base.isascii() and base.isalpha():
            table[code] = base
    table.update({ord(c): r for c, r in zip("ØøŁłĐđı", "oollddi", strict=True)})
    return table


_FOLD = _fold_table()
_WORD = re.compile(r"\w+")
_SENTENCE_BREAK = re.compile(r"[.!?;:]\s|\n")


def fold(text: str) -> str:
    return text.translate(_FOLD)


def _capitals_match(written: tuple[str, ...], found: list[str]) -> bool:
    """An upper-case word must be found upper-case ("OM", not "om"); a capital must be a capital."""
    for name_word, text_word in zip(written, found, strict=True):
        if name_word.isupper() and len(name_word) > 1:
            if not text_word.isupper():
                return False
        elif name_word[:1].isupper() and not text_word[:1].isupper():
            return False
    return True


def _surname(name: str) -> str | None:
    words = name.split()
    if len(words) < 2:
        return None
    surname = " ".join(words[1:])
    if fold(surname) in NOT_SURNAMES or len(surname) < 3:
        return None
    return surname


@dataclass
class _Candidate:
    """A stretch of text that names something; which entity is decided afterwards."""

    variants: list[Variant]
    field: str
    start: int
    end: int
    order: tuple[int, int]  # (field, offset): the title comes before the body


class Matcher:
    """The gazetteer compiled into a trie of folded words; see the module docstring for the rules."""

    END = ""  # no word folds to the empty string, so this key can never clash with one

    def __init__(self, clubs, players):
        self.trie: dict = {}
        self.club_league: dict[int, str] = {}
        self.player_club: dict[int, int | None] = {}
        for club in clubs:
            self.club_league[club.pk] = club.league
            # A name that is an ordinary word ("Inter") is listed among the context names.
            if fold(club.name) not in {fold(a) for a in club.context_aliases or []}:
                self._add(club.name, Variant("club", club.pk, Rule.NAME, ()))
            for alias in club.aliases:
                self._add(alias, Variant("club", club.pk, Rule.ALIAS, ()))
            for alias in club.context_aliases or []:
                self._add(alias, Variant("club", club.pk, Rule.CONTEXT, ()))
            for adjective in club.adjectives or []:
                self._add(adjective, Variant("club", club.pk, Rule.ADJECTIVE, ()))
        for player in players:
            self.player_club[player.pk] = player.club_id
            self._add(player.name, Variant("player", player.pk, Rule.NAME, ()))
            for alias in player.aliases:
                self._add(alias, Variant("player", player.pk, Rule.ALIAS, ()))
            for alias in player.context_aliases or []:
                self._add(alias, Variant("player", player.pk, Rule.CONTEXT, ()))
            if surname := _surname(player.name):
                self._add(surname, Variant("player", player.pk, Rule.SURNAME, ()))
        # Only the first word of a name can start a match: a set makes the common miss cheap.
        self.first_words = frozenset(self.trie)

    def _add(self, name: str, variant: Variant) -> None:
        words = tuple(_WORD.findall((name or "").strip()))
        if not words or len("".join(words)) < 2:
            return
        node = self.trie
        for word in words:
            node = node.setdefault(fold(word), {})
        variants = node.setdefault(self.END, [])
        variant = Variant(variant.kind, variant.entity_id, variant.rule, words)
        for i, other in enumerate(variants):
            if (other.kind, other.entity_id) == (variant.kind, variant.entity_id):
                if variant.rule < other.rule:  # one entity, one name: keep the strongest rule
                    variants[i] = variant
                return
        variants.append(variant)

    # -- finding --------------------------------------------------------------------------

    def _candidates(self, text: str, field: str, field_order: int) -> list[_Candidate]:
        if not text:
            return []
        folded = fold(text)
        tokens = [(m.start(), m.end()) for m in _WORD.finditer(folded)]
        words = [folded[s:e] for s, e in tokens]
        first_words, trie, end_key = self.first_words, self.trie, self.END
        found: list[_Candidate] = []
        position, count = 0, len(tokens)
        while position < count:
            if words[position] not in first_words:  # the common case: this word starts no name
                position += 1
                continue
            node = trie[words[position]]
            best: tuple[int, list[Variant]] | None = None
            index = position
            while True:
                if end_key in node:
                    valid = self._valid(node[end_key], text, folded, tokens, words, position, index)
                    if valid:
                        best = (index, valid)
                index += 1
                if index >= count:
                    break
                gap_start, gap_end = tokens[index - 1][1], tokens[index][0]
                if gap_end - gap_start > 1 and _SENTENCE_BREAK.search(text, gap_start, gap_end):
                    # "St. Pauli", "1. FC Köln": a dot after one or two characters abbreviates.
                    abbreviation = text[gap_start] == "." and tokens[index - 1][1] - tokens[index - 1][0] <= 2
                    if not abbreviation or "\n" in text[gap_start:gap_end]:
                        break
                node = node.get(words[index])
                if node is None:
                    break
            if best is None:
                position += 1
                continue
            last, variants = best
            start, end = tokens[position][0], tokens[last][1]
            found.append(_Candidate(variants, field, start, end, (field_order, start)))
            position = last + 1
        return found

    def _valid(self, variants, text, folded, tokens, words, first, last) -> list[Variant]:
        """The variants whose own rule the text at tokens[first..last] satisfies."""
        written = None
        before = words[first - 1] if first > 0 and _only_space(folded, tokens[first - 1][1], tokens[first][0]) else ""
        after = (
            words[last + 1]
            if last + 1 < len(words) and _only_space(folded, tokens[last][1], tokens[last + 1][0])
            else ""
        )
        valid = []
        for variant in variants:
            if variant.rule != Rule.NAME:
                if written is None:
                    written = [text[s:e] for s, e in tokens[first : last + 1]]
                if not _capitals_match(variant.words, written):
                    continue
            if variant.kind == "club" and first == last and before in LOCATIVES:
                continue
            if variant.rule == Rule.ADJECTIVE and after not in CLUB_NOUNS:
                continue
            valid.append(variant)
        return valid

    def find_in_article(self, title: str, body: str) -> list[Mention]:
        candidates = self._candidates(title, "title", 0) + self._candidates(body, "body", 1)
        texts = {"title": title, "body": body}
        mentions: list[Mention] = []
        first_seen: dict[tuple[str, int], tuple[int, int]] = {}  # entity → where it was first named firmly

        def accept(candidate, variant):
            key = (variant.kind, variant.entity_id)
            text = texts[candidate.field][candidate.start : candidate.end]
            mentions.append(
                Mention(variant.kind, variant.entity_id, candidate.start, candidate.end, text, candidate.field)
            )
            first_seen.setdefault(key, candidate.order)

        # First the names that stand on their own; what they establish is the context for the rest.
        pending = []
        for candidate in candidates:
            firm = self._firm(candidate.variants)
            if firm is not None:
                accept(candidate, firm)
            else:
                pending.append(candidate)
        firm_clubs = {pk for kind, pk in first_seen if kind == "club"}
        firm_players = {pk for kind, pk in first_seen if kind == "player"}
        support_clubs = firm_clubs | {self.player_club[p] for p in firm_players if self.player_club.get(p)}
        leagues = {self.club_league[c] for c in firm_clubs if self.club_league.get(c)}
        for candidate in pending:
            chosen = self._by_context(candidate, first_seen, support_clubs, firm_players, leagues)
            if chosen is not None:
                accept(candidate, chosen)
        mentions.sort(key=lambda m: (m.field != "title", m.start))
        return mentions

    @staticmethod
    def _firm(variants: list[Variant]) -> Variant | None:
        """The one entity a name claims by itself, or None when it needs (or lacks) context."""
        strong = {(v.kind, v.entity_id): v for v in variants if v.rule <= Rule.ALIAS}
        if len(strong) == 1:
            return next(iter(strong.values()))
        if strong:  # two entities share a full name or alias: better no link than a wrong one
            return None
        entities = {(v.kind, v.entity_id) for v in variants}
        if len(entities) == 1 and variants[0].rule in (Rule.SURNAME, Rule.ADJECTIVE):
            return variants[0]  # the only player of that surname; the only club of that adjective
        return None

    def _by_context(self, candidate, first_seen, support_clubs, firm_players, leagues) -> Variant | None:
        if any(v.rule <= Rule.ALIAS for v in candidate.variants):
            return None  # a shared full name: context is no licence to guess
        supported = {}
        for variant in candidate.variants:
            key = (variant.kind, variant.entity_id)
            if variant.rule == Rule.SURNAME:
                # "Lukaku" after "Romelu Lukaku": the full name must come first.
                ok = key in first_seen and first_seen[key] < candidate.order
            elif variant.kind == "club":
                ok = variant.entity_id in support_clubs or (
                    variant.rule == Rule.CONTEXT and self.club_league.get(variant.entity_id) in leagues
                )
            else:
                ok = variant.entity_id in firm_players or self.player_club.get(variant.entity_id) in support_clubs
            if ok:
                supported[key] = variant
        return next(iter(supported.values())) if len(supported) == 1 else None


def _only_space(text: str, start: int, end: int) -> bool:
    return text[start:end].isspace()


_matcher: tuple[object, Matcher] | None = None


def bump_gazetteer_version() -> None:
    """Tell every process that clubs or players changed, so matchers are rebuilt."""
    cache.set(GAZETTEER_VERSION_KEY, uuid.uuid4().hex, timeout=None)


_relink = threading.local()  # the relink callback waiting for this thread's transaction to commit


def gazetteer_changed() -> None:
    """A club or player changed: rebuild matchers everywhere and, once the change is committed,
    re-link every article. All changes of one transaction (a whole gazetteer load) share one run;
    every later transaction gets its own, so no change is ever left unlinked."""
    bump_gazetteer_version()
    waiting = getattr(_relink, "callback", None)
    if waiting is not None and any(cb is waiting for _, cb, _ in transaction.get_connection().run_on_commit):
        return

    def enqueue():
        _relink.callback = None
        if Article.objects.exists():
            hooks.relink_due.send(sender=__name__)

    _relink.callback = enqueue
    transaction.on_commit(enqueue)


def relink_batches(batch_size: int = RELINK_BATCH, queryset=None):
    """Every article's id, in batches: the unit of work for the relink task and command."""
    ids = list(
        (queryset if queryset is not None else Article.objects.all()).order_by("pk").values_list("pk", flat=True)
    )
    for start in range(0, len(ids), batch_size):
        yield ids[start : start + batch_size]


def relink_ids(article_ids) -> int:
    return link_articles(Article.objects.filter(pk__in=article_ids).only("pk", "title", "body"))


def build_matcher() -> Matcher:
    return Matcher(
        Club.objects.only("pk", "name", "league", "aliases", "context_aliases", "adjectives"),
        Player.objects.only("pk", "name", "club_id", "aliases", "context_aliases"),
    )


def get_matcher() -> Matcher:
    global _matcher
    # A random token, not a counter: a cache that lost the key (restart, eviction) gets a new
    # token and so a rebuild, never a stale matcher that happens to carry the same number.
    version = cache.get(GAZETTEER_VERSION_KEY)
    if version is None:
        cache.add(GAZETTEER_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(GAZETTEER_VERSION_KEY)
    if _matcher is None or _matcher[0] != version:
        _matcher = (version, build_matcher())
    return _matcher[1]


def find_mentions(article: Article, matcher: Matcher | None = None) -> list[Mention]:
    matcher = matcher or get_matcher()
    return matcher.find_in_article(article.title, article.body)


def link_article(article: Article, matcher: Matcher | None = None) -> None:
    link_articles([article], matcher)


def link_articles(articles, matcher: Matcher | None = None) -> int:
    """Link many articles with a few queries; returns how many articles' links changed."""
    matcher = matcher or get_matcher()
    articles = list(articles)
    clubs: dict[int, dict[int, list[dict]]] = {}
    players: dict[int, dict[int, list[dict]]] = {}
    mentions_by_article: dict[int, list[Mention]] = {}
    for article in articles:
        by_entity: dict[tuple[str, int], list[dict]] = defaultdict(list)
        mentions = find_mentions(article, matcher)
        mentions_by_article[article.pk] = mentions
        for mention in mentions:
            by_entity[(mention.kind, mention.entity_id)].append(mention.as_json())
        clubs[article.pk] = {pk: found for (kind, pk), found in by_entity.items() if kind == "club"}
        players[article.pk] = {pk: found for (kind, pk), found in by_entity.items() if kind == "player"}
    with transaction.atomic():
        changed = _apply(ArticleClub, "club_id", clubs) | _apply(ArticlePlayer, "player_id", players)
        results.store_results(articles, mentions_by_article)
        hooks.links_changed.send(sender=__name__, article_ids=[article.pk for article in articles])
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
        update_rows(refreshed, ["mentions", "state"])
    if new:
        # ignore_conflicts: a concurrent run may have added the same link a moment ago.
        link_model.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    return changed
