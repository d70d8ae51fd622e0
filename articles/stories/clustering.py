"""Stories: the articles that report one event, whichever source wrote them.

An article joins a story when an article already in it was published within WINDOW of it,
shares a club or player with it, and is similar enough: a score from the overlap of their
linked entities and of their stemmed words (the search analyzer's terms, so "strafschoppen" and
"strafschop" meet). Otherwise it starts a story. A duplicate goes where its original went.

Deterministic and idempotent: articles are taken in publication order and only look back, so
the same articles give the same stories; running it again changes nothing.

Editors win: an article an editor placed (`story_pinned`) never moves, and a locked story
neither gains nor loses articles automatically.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.db.models.functions import Left
from django.utils.text import slugify

from articles import hooks
from articles.bulk import update_rows
from articles.models import Article, ArticleClub, ArticlePlayer, LinkState, Story

WINDOW = timedelta(hours=48)
# Half entity overlap, half word overlap. Two reports of one match share both clubs and most
# players and a good share of words; the same club in another event shares one club and little
# else. Tuned on the demo archive and the tests' cases.
JOIN_SCORE = 0.3
TEXT_CHARS = 2000  # the top of an article says what it is about


@dataclass
class Profile:
    """What comparing two articles needs, loaded once per article."""

    pk: int
    story_id: int | None
    entities: frozenset
    terms: frozenset


# Analysed words by (article, content hash): a text is analysed once per process, not once for
# every later article that compares itself with it. Bounded; emptied when full.
_TERMS: dict[tuple[int, str], frozenset] = {}
TERMS_CACHE_SIZE = 20_000


def _cached_terms(article: Article) -> frozenset:
    if not article.content_hash:  # no hash to tell an edited text apart: analyse it afresh
        return _terms(article.title, article.body)
    key = (article.pk, article.content_hash)
    terms = _TERMS.get(key)
    if terms is None:
        if len(_TERMS) >= TERMS_CACHE_SIZE:
            _TERMS.clear()
        terms = _TERMS[key] = _terms(article.title, article.body)
    return terms


def _terms(title: str, body: str) -> frozenset:
    from search.analysis import terms

    return frozenset(word for word in terms(f"{title}\n{body[:TEXT_CHARS]}") if len(word) > 2)


def _jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def similarity(a: Profile, b: Profile) -> float:
    return 0.5 * _jaccard(a.entities, b.entities) + 0.5 * _jaccard(a.terms, b.terms)


def _entities(articles) -> dict[int, set]:
    """Linked clubs and players by article; `articles` is a list of ids."""
    found: dict[int, set] = {}
    linked = {"state": LinkState.LINKED, "article_id__in": articles}
    for article_id, club_id in ArticleClub.objects.filter(**linked).values_list("article_id", "club_id"):
        found.setdefault(article_id, set()).add(("club", club_id))
    for article_id, player_id in ArticlePlayer.objects.filter(**linked).values_list("article_id", "player_id"):
        found.setdefault(article_id, set()).add(("player", player_id))
    return found


@dataclass
class Candidate:
    """An article a later one may join: in an unlocked story."""

    profile: Profile
    published_at: object

    @property
    def order(self):
        return (self.published_at, self.profile.pk)


class Pool:
    """The earlier articles that the articles of one run (a landing batch, a restory) may join.

    Loaded once per chunk of the run with a handful of queries, then kept in memory: the
    articles of a chunk see each other's new stories without a query per article. Candidates
    older than the window of the chunk at hand are dropped as the run moves on.
    """

    def __init__(self):
        self.candidates: dict[int, Candidate] = {}
        self.by_entity: dict[tuple, set[int]] = {}

    def profiles(self, articles) -> dict[int, Profile]:
        """Fresh profiles of these articles (their entities read now, their words cached)."""
        entities = _entities([a.pk for a in articles])
        return {a.pk: Profile(a.pk, a.story_id, frozenset(entities.get(a.pk, ())), _cached_terms(a)) for a in articles}

    def load(self, articles, profiles: dict[int, Profile]) -> None:
        """Read the candidates these articles could join: published up to WINDOW before the
        first of them, sharing a club or player with one of them, in an unlocked story."""
        if not articles:
            return
        first = min(a.published_at for a in articles) - WINDOW
        last = max(a.published_at for a in articles)
        self._drop_before(first)
        shared = set().union(*(p.entities for p in profiles.values()))
        clubs = [pk for kind, pk in shared if kind == "club"]
        players = [pk for kind, pk in shared if kind == "player"]
        if not clubs and not players:
            return
        linked = Q(pk__in=ArticleClub.objects.filter(club_id__in=clubs, state=LinkState.LINKED).values("article_id"))
        linked |= Q(
            pk__in=ArticlePlayer.objects.filter(player_id__in=players, state=LinkState.LINKED).values("article_id")
        )
        rows = (
            Article.objects.published()
            .filter(published_at__range=(first, last), story__isnull=False, story__is_locked=False)
            .filter(linked)
            .exclude(pk__in=list(self.candidates))
        )
        found = list(
            rows.annotate(start=Left("body", TEXT_CHARS)).only(
                "pk", "story_id", "published_at", "content_hash", "title"
            )
        )
        entities = _entities([a.pk for a in found]) if found else {}  # not the rows query again
        for a in found:
            a.body = a.start
            profile = Profile(a.pk, a.story_id, frozenset(entities.get(a.pk, ())), _cached_terms(a))
            self.add(profile, a.published_at)

    def add(self, profile: Profile, published_at) -> None:
        """Make (or keep) an article a candidate with its current story."""
        self.remove(profile.pk)
        self.candidates[profile.pk] = Candidate(profile, published_at)
        for entity in profile.entities:
            self.by_entity.setdefault(entity, set()).add(profile.pk)

    def remove(self, pk: int) -> None:
        old = self.candidates.pop(pk, None)
        if old is not None:
            for entity in old.profile.entities:
                self.by_entity.get(entity, set()).discard(pk)

    def _drop_before(self, moment) -> None:
        for pk in [pk for pk, c in self.candidates.items() if c.published_at < moment]:
            self.remove(pk)

    def best_story(self, article: Article, profile: Profile) -> int | None:
        """The story this article belongs to among earlier ones, or None for a story of its own."""
        order = (article.published_at, article.pk)
        earliest = article.published_at - WINDOW
        scores: dict[int, float] = {}
        nearby = set().union(*(self.by_entity.get(entity, ()) for entity in profile.entities))
        for pk in nearby:
            other = self.candidates[pk]
            if not (other.published_at >= earliest and other.order < order):  # only look back
                continue
            score = similarity(profile, other.profile)
            story_id = other.profile.story_id
            if score >= JOIN_SCORE and score > scores.get(story_id, 0):
                scores[story_id] = score
        if not scores:
            return None
        # The highest score; on a tie the older story, so the outcome never depends on set order.
        return max(scores, key=lambda story_id: (scores[story_id], -story_id))


def _unsaved_story(article: Article) -> Story:
    return Story(
        slug=f"tmp-{article.pk}",
        lead_article=article,
        first_published_at=article.published_at,
        last_published_at=article.published_at,
    )


def _slug(story: Story) -> str:
    """A story's address: its first headline, then its number (which keeps it unique)."""
    return f"{slugify(story.lead_article.title)[:120] or 'verhaal'}-{story.pk}"


def create_story(article: Article) -> Story:
    """A new story led by this article, its address made from the headline."""
    story = _unsaved_story(article)
    story.save()
    story.slug = _slug(story)
    story.save(update_fields=["slug"])
    return story


def _founded(article: Article) -> bool:
    """No article of its story was published before it."""
    earlier = Q(published_at__lt=article.published_at) | Q(published_at=article.published_at, pk__lt=article.pk)
    return not Article.objects.filter(earlier, story_id=article.story_id).exists()


CHUNK = 500  # articles whose candidates are read together


# Stories started during a run are written once per chunk; until then they go by numbers above
# any real one, so that a tie still goes to the older story.
UNSAVED = 10**15


class Assignment:
    """One pass of story assignment over articles taken oldest first (a landing batch or a
    restory). Candidates come from a Pool; new stories and moves are written once per chunk.

    `previous` (restory) maps an article to the story it was in: an article that starts a
    story gets that one back, unless another article has already reused it.
    """

    def __init__(self, previous: dict[int, Story] | None = None):
        self.pool = Pool()
        self.previous = previous or {}
        self.reused: set[int] = set()
        self.stories: dict[int, Story] = {}
        self.new: dict[int, Story] = {}  # placeholder number → unsaved story
        self.moves: dict[int, int] = {}  # article → story (or placeholder), not yet written
        self.articles: dict[int, Article] = {}

    def run(self, articles):
        """Yield (article, story) for each article, a chunk at a time once it is written."""
        chunk = []
        for article in articles:
            chunk.append(article)
            if len(chunk) == CHUNK:
                yield from self._chunk(chunk)
                chunk = []
        if chunk:
            yield from self._chunk(chunk)

    def _chunk(self, chunk):
        profiles = self.pool.profiles(chunk)
        self.pool.load(chunk, profiles)
        placed = [(article, self.assign(article, profiles[article.pk])) for article in chunk]
        self.flush()
        return placed

    def assign(self, article: Article, profile: Profile) -> Story | None:
        """Put one article in its story (see the module docstring); returns the story it is in."""
        if article.story_pinned or (article.story_id and article.story.is_locked):
            if article.story_id and not article.story.is_locked:
                self.pool.add(profile, article.published_at)
            return article.story
        if article.duplicate_of_id:
            story_id = self._story_of(article.duplicate_of_id)
        else:
            story_id = self.pool.best_story(article, profile)
        if story_id is None and article.story_id:
            self.flush()  # _founded reads the stories of this run's earlier articles
            if _founded(article):
                story_id = article.story_id  # it started its story: running again keeps it there
        story_id = story_id or self._reused(article) or self._start(article)
        story = self._story(story_id)
        if article.story_id != story_id:
            self.moves[article.pk] = story_id
            self.articles[article.pk] = article
        article.story = story
        profile.story_id = story_id
        self.pool.add(profile, article.published_at)
        return story

    def _reused(self, article: Article) -> int | None:
        old = self.previous.get(article.pk)
        if old is None or old.pk in self.reused or old.is_locked:
            return None
        self.reused.add(old.pk)
        self.stories[old.pk] = old
        return old.pk

    def _start(self, article: Article) -> int:
        number = UNSAVED + len(self.new)
        self.new[number] = self.stories[number] = _unsaved_story(article)
        return number

    def _story(self, story_id: int) -> Story:
        if story_id not in self.stories:
            self.stories[story_id] = Story.objects.get(pk=story_id)
        return self.stories[story_id]

    def _story_of(self, article_id: int) -> int | None:
        if article_id in self.moves:
            return self.moves[article_id]
        original = Article.objects.filter(pk=article_id).only("story_id").first()
        return original.story_id if original else None

    def flush(self) -> None:
        """Write the stories started and the moves made since the last flush."""
        if self.new:
            started = list(self.new.values())
            Story.objects.bulk_create(started)  # sets their numbers (SQLite ≥ 3.35, PostgreSQL)
            for story in started:
                story.slug = _slug(story)
            update_rows(started, ["slug"])
            real = {number: story.pk for number, story in self.new.items()}
            for number, story in self.new.items():
                self.stories[story.pk] = self.stories.pop(number)
            for candidate in self.pool.candidates.values():
                candidate.profile.story_id = real.get(candidate.profile.story_id, candidate.profile.story_id)
            self.moves = {article_id: real.get(story_id, story_id) for article_id, story_id in self.moves.items()}
            self.new.clear()
        moved = [self.articles[article_id] for article_id in self.moves]
        for article in moved:
            article.story_id = self.moves[article.pk]
        update_rows(moved, ["story"])
        self.moves.clear()
        self.articles.clear()


@transaction.atomic
def assign_stories(article_ids) -> int:
    """Assign each article, oldest first; returns how many articles changed story."""
    articles = Article.objects.filter(pk__in=list(article_ids)).select_related("story").order_by("published_at", "pk")
    before = {article.pk: article.story_id for article in articles}
    after = {article.pk: getattr(story, "pk", None) for article, story in Assignment().run(articles)}
    moved = [pk for pk in after if after[pk] != before[pk]]
    if moved:
        Article.objects.filter(pk__in=moved).mark_index_stale()  # the story is in the index
    refresh_stories({pk for pk in after.values() if pk})
    return len(moved)


def refresh_stories(story_ids) -> None:
    """Counts and dates follow the published articles; a story whose lead left (or never had
    one) gets its first article. Sidebars and story lists are cached: they are invalidated."""
    stories = Story.objects.in_bulk(list(story_ids))
    if not stories:
        return
    published = Article.objects.filter(story_id__in=list(stories), status=Article.Status.PUBLISHED)
    totals = {
        row["story_id"]: row
        for row in published.values("story_id").annotate(
            first=Min("published_at"),
            last=Max("published_at"),
            articles=Count("pk"),
            sources=Count("source", distinct=True),
        )
    }
    leads = set(
        published.filter(pk__in=[s.lead_article_id for s in stories.values() if s.lead_article_id]).values_list(
            "story_id", "pk"
        )
    )
    for story in stories.values():
        row = totals.get(story.pk)
        if row is None:  # nothing published in it (any more): it drops out of every list
            story.article_count = story.source_count = 0
            continue
        story.first_published_at, story.last_published_at = row["first"], row["last"]
        story.article_count, story.source_count = row["articles"], row["sources"]
        if (story.pk, story.lead_article_id) not in leads:
            story.lead_article = published.filter(story_id=story.pk).order_by("published_at", "pk").first()
    fields = ["first_published_at", "last_published_at", "lead_article", "article_count", "source_count"]
    update_rows(stories.values(), fields)
    hooks.lists_changed.send(sender=__name__)


def restory(articles, progress=None) -> dict:
    """Re-run assignment over these articles from scratch, keeping editors' decisions.

    Every automatic placement in the range is undone, then redone oldest first; a group that
    starts with an article gets that article's previous story back, so story pages and their
    addresses survive a rerun. Stories left empty (and not locked or featured) are deleted.
    """
    movable = (articles.filter(story_pinned=False).filter(Q(story__isnull=True) | Q(story__is_locked=False))).order_by(
        "published_at", "pk"
    )
    previous = dict(movable.values_list("pk", "story_id"))
    with transaction.atomic():
        Article.objects.filter(pk__in=list(previous)).update(story=None)
        touched: set[int] = set()
        stories = Story.objects.in_bulk({pk for pk in previous.values() if pk})
        assignment = Assignment(previous={pk: stories[story_id] for pk, story_id in previous.items() if story_id})
        for _article, story in assignment.run(movable.select_related("story").iterator(chunk_size=CHUNK)):
            if story is not None:
                touched.add(story.pk)
            if progress:
                progress(1)
        final = dict(Article.objects.filter(pk__in=list(previous)).values_list("pk", "story_id"))
        moved = [pk for pk, story_id in final.items() if story_id != previous[pk]]
        if moved:
            Article.objects.filter(pk__in=moved).mark_index_stale()
        refresh_stories(touched)
        emptied = Story.objects.filter(pk__in=set(previous.values()) - touched, is_locked=False, is_featured=False)
        deleted = emptied.filter(articles__isnull=True).delete()[0]
    return {"articles": len(previous), "stories": len(touched), "deleted": deleted}
