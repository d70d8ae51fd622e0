"""What newsdesk knows: sources, articles, clubs, players, the links between them, stories."""

from datetime import timedelta

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from articles import hooks


class Source(models.Model):
    """A news site we read, through its feed (or only through imports when it has none)."""

    name = models.CharField(_("naam"), max_length=200, unique=True)
    feed_url = models.URLField(_("feed-URL"), max_length=1000, unique=True, null=True, blank=True)
    site_url = models.URLField(_("website"), max_length=1000, blank=True)
    is_active = models.BooleanField(_("actief"), default=True)
    content_selector = models.CharField(
        _("CSS-selector voor de tekst"),
        max_length=300,
        blank=True,
        help_text=_("Laat leeg om de tekst automatisch te herkennen."),
    )
    strip_selectors = models.TextField(
        _("CSS-selectors om weg te laten"),
        blank=True,
        help_text=_("Eén per regel: wat deze selectors vinden, komt niet in de tekst (deelknoppen, lees-ook-blokken)."),
    )
    fetch_interval = models.DurationField(_("ophaalinterval"), default=timedelta(minutes=15))
    fetch_full_text = models.BooleanField(
        _("volledige tekst ophalen"),
        default=True,
        help_text=_("Haal de artikelpagina op wanneer de feed alleen een samenvatting geeft."),
    )
    # A general sports feed (cycling, tennis, F1 beside football): only what names a club or
    # player of the gazetteer comes in (articles.ingest.rules); FilterRule adds rules of its own.
    general_sports = models.BooleanField(
        _("algemene sportbron"),
        default=False,
        help_text=_("Enkel artikels die een club of speler uit de gazetteer noemen, worden opgenomen."),
    )

    # HTTP validators for conditional GET.
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)

    # Health: the scheduler only looks at next_fetch_at; the rest is for people.
    next_fetch_at = models.DateTimeField(_("volgende ophaling"), default=timezone.now, db_index=True)
    last_fetched_at = models.DateTimeField(_("laatst opgehaald"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("laatste succes"), null=True, blank=True)
    last_error = models.TextField(_("laatste fout"), blank=True)
    last_error_at = models.DateTimeField(_("tijdstip laatste fout"), null=True, blank=True)
    last_warning = models.TextField(_("laatste waarschuwing"), blank=True)
    error_count = models.PositiveIntegerField(_("fouten op rij"), default=0)
    # The last re-extraction of its articles (articles.ingest.reextract): its progress while it
    # runs, where to resume should its worker stop, its counts when done.
    reextraction = models.JSONField(_("opnieuw extraheren"), default=dict, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("bron")
        verbose_name_plural = _("bronnen")
        indexes = [models.Index(fields=["is_active", "next_fetch_at"])]

    def __str__(self):
        return self.name


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Article.Status.PUBLISHED, duplicate_of__isnull=True)

    def published_among(self, ids) -> list["Article"]:
        """The published articles among these ids (a page's handful), in no particular order.

        Found by primary key alone and checked in Python. With the status in the WHERE clause,
        SQLite, which keeps no statistics unless ANALYZE runs, walks the status index over every
        published article instead of fetching the few rows asked for: 16 ms at 100,000 articles
        for the 20 results of a search page, against well under one."""
        articles = self.filter(pk__in=list(ids)).order_by()  # sorting by date would walk that index too
        names, deferring = articles.query.deferred_loading
        if names and not deferring:  # after only(): load what the check reads, not a query per row
            articles = articles.only(*names, "status", "duplicate_of")
        return [article for article in articles if article.is_published]

    def published_between(self, since=None, until=None):
        """Articles published on or after `since` and on or before `until` (dates; either may be None)."""
        articles = self
        if since:
            articles = articles.filter(published_at__date__gte=since)
        if until:
            articles = articles.filter(published_at__date__lte=until)
        return articles

    def index_stale(self):
        """Articles whose copy in the search index is older than the row."""
        return self.filter(Q(indexed_at__isnull=True) | Q(indexed_at__lt=F("updated_at")))

    def mark_index_stale(self):
        """Bump updated_at so the index pipeline picks these rows up again, and ask for a run."""
        hooks.index_stale.send(sender=self.model)
        return self.update(updated_at=timezone.now())


class Article(models.Model):
    class Status(models.TextChoices):
        PUBLISHED = "published", _("gepubliceerd")
        HIDDEN = "hidden", _("verborgen")

    class Landing(models.IntegerChoices):
        """What must still follow the article's landing (articles.landing does it)."""

        SETTLED = 0, _("afgewerkt")
        LINK = 1, _("clubs, spelers en verhaal")
        RELATE = 2, _("gerelateerde artikels")

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="articles", verbose_name=_("bron"))
    url = models.URLField(_("canonieke URL"), max_length=1000, unique=True)
    guid = models.CharField(_("GUID"), max_length=1000, blank=True)
    title = models.CharField(_("titel"), max_length=500)
    slug = models.SlugField(max_length=120, allow_unicode=False, blank=True)
    teaser = models.CharField(_("teaser"), max_length=200, blank=True)
    body = models.TextField(_("tekst"), blank=True, help_text=_("Platte tekst, voor zoeken en teasers."))
    body_html = models.TextField(_("tekst (HTML)"), blank=True, help_text=_("Gesaneerde HTML."))
    author = models.CharField(_("auteur"), max_length=300, blank=True)
    image_url = models.URLField(_("afbeelding"), max_length=1000, blank=True)
    # The lead image's size where the feed or page says it (pages then reserve its room), and its
    # text alternative ("" when the source gave none: beside its headline it is decorative).
    image_width = models.PositiveIntegerField(_("breedte afbeelding"), null=True, blank=True)
    image_height = models.PositiveIntegerField(_("hoogte afbeelding"), null=True, blank=True)
    image_alt = models.CharField(_("alternatieve tekst afbeelding"), max_length=300, blank=True)
    language = models.CharField(_("taal"), max_length=10, default="nl")

    published_at = models.DateTimeField(_("gepubliceerd op"), default=timezone.now)
    fetched_at = models.DateTimeField(_("opgehaald op"), default=timezone.now)
    # Bumped by every change that the search index must see (text, status, links, story).
    updated_at = models.DateTimeField(_("gewijzigd op"), default=timezone.now)
    # The updated_at value that the index copy was built from; stale when older.
    indexed_at = models.DateTimeField(_("geïndexeerd op"), null=True, blank=True)

    content_hash = models.CharField(_("inhoudshash"), max_length=64, blank=True, db_index=True)
    # The feed entry this article was last built from: an unchanged entry is not ingested again.
    entry_hash = models.CharField(_("feeditem-hash"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicaat van"),
    )
    extraction_note = models.CharField(_("extractie"), max_length=500, blank=True)
    story = models.ForeignKey(
        "Story",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("verhaal"),
    )
    # An editor put this article in its story (or in none): automatic clustering leaves it there.
    story_pinned = models.BooleanField(
        _("verhaal vastgezet"), default=False, help_text=_("Automatische clustering verplaatst dit artikel niet.")
    )
    # Filled when the article lands (and when its story changes): pages read it, never compute it.
    related_ids = models.JSONField(_("gerelateerde artikels"), default=list, blank=True)
    # Set in the transaction that stores (or changes) the article, so no crash, broker outage or
    # deadlock loses the follow-up: workers drain it in batches, a periodic sweep catches the rest.
    landing = models.PositiveSmallIntegerField(_("nawerk"), choices=Landing.choices, default=Landing.LINK)
    # When its title or text really changed after it was first stored (store._update): what pages
    # show as "Bijgewerkt om …". Not updated_at, which status, links and stories bump too.
    revised_at = models.DateTimeField(_("bijgewerkt op"), null=True, blank=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("artikel")
        verbose_name_plural = _("artikels")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "guid"], condition=~Q(guid=""), name="article_unique_source_guid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_status_published"),
            models.Index(fields=["source", "-published_at"], name="article_source_published"),
            models.Index(fields=["story", "-published_at"], name="article_story_published"),
            models.Index(fields=["indexed_at"], name="article_indexed_at"),
            models.Index(fields=["landing"], condition=Q(landing__gt=0), name="article_landing_due"),
            # Which of a club's (player's) linked articles are published, answered from the index
            # alone: counting a big club's 10,000 articles at a million read each one's row (130
            # ms on PostgreSQL; 30-55 ms from this index and the links' own).
            models.Index(
                fields=["id"], condition=Q(status="published", duplicate_of__isnull=True), name="article_published_id"
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.title)[:120] or "artikel"
        # Every saved change must reach the index, which compares updated_at to indexed_at.
        self.updated_at = timezone.now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:article", kwargs={"pk": self.pk, "slug": self.slug or "artikel"})

    @property
    def source_name(self) -> str:
        return self.source.name

    @property
    def story_sources(self) -> int:
        """Sources reporting its story (its own at least): the count a teaser shows."""
        return max(self.story.source_count, 1) if self.story_id else 1

    @property
    def is_published(self) -> bool:
        """What ArticleQuerySet.published() selects: published and not a duplicate."""
        return self.status == self.Status.PUBLISHED and self.duplicate_of_id is None

    @property
    def is_index_stale(self):
        return self.indexed_at is None or self.indexed_at < self.updated_at


# FIFA codes of the countries whose clubs we follow, with their Dutch names.
COUNTRY_NAMES = {
    "BEL": _("België"),
    "NED": _("Nederland"),
    "ENG": _("Engeland"),
    "GER": _("Duitsland"),
    "ESP": _("Spanje"),
    "ITA": _("Italië"),
    "FRA": _("Frankrijk"),
    "POR": _("Portugal"),
    "SCO": _("Schotland"),
    "TUR": _("Turkije"),
    "GRE": _("Griekenland"),
    "SUI": _("Zwitserland"),
    "DEN": _("Denemarken"),
    "AUT": _("Oostenrijk"),
    "USA": _("Verenigde Staten"),
    "KSA": _("Saoedi-Arabië"),
}


def country_name(code: str) -> str:
    return str(COUNTRY_NAMES.get(code, code))


class Club(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(_("naam"), max_length=200)
    country = models.CharField(_("land"), max_length=3, db_index=True, help_text=_("FIFA-code, bv. BEL"))
    league = models.CharField(_("competitie"), max_length=100, blank=True, db_index=True)
    aliases = models.JSONField(_("andere namen"), default=list, blank=True)
    # Short or common words ("City", "Real", "OM"), and names two clubs share: linked only as
    # written and only where the article supports them (the club, one of its players, or a club
    # of its league named in full).
    context_aliases = models.JSONField(
        _("namen die context vragen"),
        default=list,
        blank=True,
        help_text=_("Korte of gewone woorden (City, Real, OM): enkel gekoppeld als het artikel de club elders noemt."),
    )
    # Inflected adjectives ("Anderlechtse", "Brugse"): linked only before a football noun.
    adjectives = models.JSONField(
        _("bijvoeglijke vormen"),
        default=list,
        blank=True,
        help_text=_("Bv. Anderlechtse, Genkse: enkel gekoppeld voor een woord als spits of trainer."),
    )
    # What the gazetteer file last gave this club, as the file has it (None: an editor created it).
    # A field that no longer equals it was changed by an editor, and load_gazetteer keeps it.
    shipped = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("club")
        verbose_name_plural = _("clubs")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:club", kwargs={"slug": self.slug})

    @property
    def country_name(self):
        return country_name(self.country)


class Player(models.Model):
    """Someone the articles are about: a player, or a club's head coach (`role`)."""

    class Role(models.TextChoices):
        PLAYER = "player", _("speler")
        COACH = "coach", _("trainer")

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(_("naam"), max_length=200)
    role = models.CharField(_("rol"), max_length=10, choices=Role.choices, default=Role.PLAYER)
    club = models.ForeignKey(
        Club, on_delete=models.SET_NULL, null=True, blank=True, related_name="players", verbose_name=_("club")
    )
    country = models.CharField(_("nationaliteit"), max_length=3, blank=True)
    aliases = models.JSONField(_("andere namen"), default=list, blank=True)
    context_aliases = models.JSONField(
        _("namen die context vragen"),
        default=list,
        blank=True,
        help_text=_("Korte namen (KDB, CDK): enkel gekoppeld als het artikel de speler of zijn club elders noemt."),
    )
    # Like Club.shipped; the club is kept by its slug.
    shipped = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("speler")
        verbose_name_plural = _("spelers")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:player", kwargs={"slug": self.slug})

    @property
    def is_coach(self) -> bool:
        return self.role == self.Role.COACH


class GazetteerDeletion(models.Model):
    """A club or player an editor deleted in the admin (or gave another slug): load_gazetteer does
    not bring it back. Deleting this record lets the next load re-create it from the file."""

    class Kind(models.TextChoices):
        CLUB = "club", _("club")
        PLAYER = "player", _("speler")

    kind = models.CharField(_("soort"), max_length=10, choices=Kind.choices)
    slug = models.SlugField(max_length=100)
    deleted_at = models.DateTimeField(_("verwijderd op"), default=timezone.now)

    class Meta:
        ordering = ["kind", "slug"]
        verbose_name = _("verwijderde club of speler")
        verbose_name_plural = _("verwijderde clubs en spelers")
        constraints = [models.UniqueConstraint(fields=["kind", "slug"], name="gazetteerdeletion_unique")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.slug}"


class LinkOrigin(models.TextChoices):
    AUTO = "auto", _("automatisch")
    EDITOR = "editor", _("redactie")


class LinkState(models.TextChoices):
    LINKED = "linked", _("gekoppeld")
    REJECTED = "rejected", _("afgewezen")


class EntityLink(models.Model):
    """An article's link to an entity. An editor's row (added or rejected) outlives re-linking."""

    origin = models.CharField(_("herkomst"), max_length=10, choices=LinkOrigin.choices, default=LinkOrigin.AUTO)
    state = models.CharField(_("status"), max_length=10, choices=LinkState.choices, default=LinkState.LINKED)
    # [{"start": int, "end": int, "text": str, "field": "title"|"body"}, ...]
    mentions = models.JSONField(_("vermeldingen"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    @property
    def is_editor_decision(self):
        return self.origin == LinkOrigin.EDITOR


class ArticleClub(EntityLink):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="club_links")
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="article_links")

    class Meta:
        verbose_name = _("clubkoppeling")
        verbose_name_plural = _("clubkoppelingen")
        constraints = [models.UniqueConstraint(fields=["article", "club"], name="articleclub_unique")]
        # With the article: a club's linked articles from the index alone (see article_published_id).
        indexes = [models.Index(fields=["club", "state", "article"], name="articleclub_club_state")]

    def __str__(self):
        return f"{self.article_id} → {self.club}"


class ArticlePlayer(EntityLink):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="player_links")
    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="article_links")

    class Meta:
        verbose_name = _("spelerkoppeling")
        verbose_name_plural = _("spelerkoppelingen")
        constraints = [models.UniqueConstraint(fields=["article", "player"], name="articleplayer_unique")]
        indexes = [models.Index(fields=["player", "state", "article"], name="articleplayer_player_state")]

    def __str__(self):
        return f"{self.article_id} → {self.player}"


class MatchResult(models.Model):
    """A final score an article reports between two of its linked clubs.

    Derived by the linker, like the links: rebuilt on every relink. When the text does not say
    who played at home, `venue_known` is false and the clubs are in the text's order.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="results")
    home = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="home_results")
    away = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="away_results")
    home_goals = models.PositiveSmallIntegerField()
    away_goals = models.PositiveSmallIntegerField()
    venue_known = models.BooleanField(default=True)
    played_on = models.DateField(db_index=True)

    class Meta:
        ordering = ["-played_on", "-id"]
        verbose_name = _("uitslag")
        verbose_name_plural = _("uitslagen")
        constraints = [models.UniqueConstraint(fields=["article", "home", "away"], name="matchresult_unique")]
        indexes = [
            models.Index(fields=["home", "-played_on"], name="matchresult_home"),
            models.Index(fields=["away", "-played_on"], name="matchresult_away"),
        ]

    def __str__(self):
        return f"{self.home} {self.home_goals}-{self.away_goals} {self.away}"

    @property
    def key(self):
        """Two reports of one match share this, whichever order they name the clubs in."""
        return (frozenset((self.home_id, self.away_id)), self.played_on)


class Story(models.Model):
    """Articles about one event. Editors feature, order and lock stories."""

    slug = models.SlugField(max_length=140, unique=True)
    headline = models.CharField(_("kop"), max_length=500, blank=True, help_text=_("Leeg: de kop van het hoofdartikel."))
    lead_article = models.ForeignKey(
        Article,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hoofdartikel"),
    )
    is_featured = models.BooleanField(_("uitgelicht"), default=False)
    featured_order = models.PositiveIntegerField(_("volgorde"), default=0)
    is_locked = models.BooleanField(
        _("vergrendeld"), default=False, help_text=_("Automatische clustering verandert dit verhaal niet.")
    )
    # Kept by stories.clustering.refresh_stories so that lists of stories need no counting query.
    article_count = models.PositiveIntegerField(_("artikels"), default=0, editable=False)
    source_count = models.PositiveIntegerField(_("bronnen"), default=0, editable=False)
    first_published_at = models.DateTimeField(_("eerste artikel"), default=timezone.now)
    last_published_at = models.DateTimeField(_("laatste artikel"), default=timezone.now, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-last_published_at"]
        verbose_name = _("verhaal")
        verbose_name_plural = _("verhalen")
        indexes = [models.Index(fields=["is_featured", "featured_order"], name="story_featured_order")]

    def __str__(self):
        return self.display_headline

    def get_absolute_url(self):
        return reverse("articles:story", kwargs={"slug": self.slug})

    @property
    def display_headline(self):
        if self.headline:
            return self.headline
        if self.lead_article_id:
            return self.lead_article.title
        return self.slug


class StoryRedirect(models.Model):
    """The address of a story editors merged into another: it answers with a permanent redirect
    to the story that absorbed it (later merges move it on, so chains never form)."""

    old_slug = models.SlugField(_("oud adres"), max_length=140, unique=True)
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="redirects", verbose_name=_("verhaal"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["old_slug"]
        verbose_name = _("doorverwijzing van een verhaal")
        verbose_name_plural = _("doorverwijzingen van verhalen")

    def __str__(self):
        return f"{self.old_slug} → {self.story.slug}"


# --- Matches (articles/matches/) ------------------------------------------------------------


class Competition(models.Model):
    """A league or cup whose fixtures we import (openfootball's code: "be.1", "uefa.cl")."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("naam"), max_length=200)
    # The latest season its matches have: what its page and the club pages show. Kept by the
    # import, so a page finds the season and its matches in one query.
    current_season = models.CharField(_("huidig seizoen"), max_length=9, blank=True, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("competitie")
        verbose_name_plural = _("competities")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:competition", kwargs={"code": self.code})


class Match(models.Model):
    """One fixture of a competition's season, as the fixtures data gives it, with what the news
    reported about its score (articles.matches.reconcile keeps the reported fields)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("gepland")
        PLAYED = "played", _("gespeeld")
        AWARDED = "awarded", _("reglementair")
        POSTPONED = "postponed", _("uitgesteld")

    competition = models.ForeignKey(
        Competition, on_delete=models.CASCADE, related_name="matches", verbose_name=_("competitie")
    )
    season = models.CharField(_("seizoen"), max_length=9)  # "2025-26"
    round = models.CharField(_("speeldag"), max_length=100)  # as the data names it: "Matchday 3"
    slug = models.SlugField(max_length=200, unique=True)
    home = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="home_matches", verbose_name=_("thuisploeg"))
    away = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="away_matches", verbose_name=_("uitploeg"))
    kickoff = models.DateTimeField(_("aftrap"), db_index=True)
    time_known = models.BooleanField(_("uur bekend"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    home_goals = models.PositiveSmallIntegerField(_("doelpunten thuis"), null=True, blank=True)
    away_goals = models.PositiveSmallIntegerField(_("doelpunten uit"), null=True, blank=True)
    home_penalties = models.PositiveSmallIntegerField(null=True, blank=True)
    away_penalties = models.PositiveSmallIntegerField(null=True, blank=True)
    # The score the news reports (the one most of its tied articles give) and where it was
    # first read; `score_conflict` when a report disagrees with the data's score.
    reported_home_goals = models.PositiveSmallIntegerField(_("gemeld thuis"), null=True, blank=True, editable=False)
    reported_away_goals = models.PositiveSmallIntegerField(_("gemeld uit"), null=True, blank=True, editable=False)
    reported_by = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    score_conflict = models.BooleanField(_("conflict met de berichtgeving"), default=False, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kickoff", "pk"]
        verbose_name = _("wedstrijd")
        verbose_name_plural = _("wedstrijden")
        constraints = [
            models.UniqueConstraint(
                fields=["competition", "season", "round", "home", "away"], name="match_unique_fixture"
            ),
        ]
        indexes = [
            models.Index(fields=["competition", "season", "kickoff"], name="match_competition_season"),
            models.Index(fields=["home", "kickoff"], name="match_home_kickoff"),
            models.Index(fields=["away", "kickoff"], name="match_away_kickoff"),
        ]

    def __str__(self):
        return f"{self.home} – {self.away} ({self.kickoff:%Y-%m-%d})"

    def get_absolute_url(self):
        return reverse("articles:match", kwargs={"slug": self.slug})

    @property
    def has_score(self) -> bool:
        return self.home_goals is not None and self.away_goals is not None

    @property
    def has_reported_score(self) -> bool:
        return self.reported_home_goals is not None and self.reported_away_goals is not None


class ArticleMatch(models.Model):
    """An article tied to the match it is about. Automatic ties are rebuilt by every run
    (articles.matches.tying); an editor's row (tied or untied) outlives them, as club links do."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="match_links")
    match = models.ForeignKey(
        Match, on_delete=models.CASCADE, related_name="article_links", verbose_name=_("wedstrijd")
    )
    origin = models.CharField(_("herkomst"), max_length=10, choices=LinkOrigin.choices, default=LinkOrigin.AUTO)
    state = models.CharField(_("status"), max_length=10, choices=LinkState.choices, default=LinkState.LINKED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("wedstrijdkoppeling")
        verbose_name_plural = _("wedstrijdkoppelingen")
        constraints = [models.UniqueConstraint(fields=["article", "match"], name="articlematch_unique")]
        indexes = [models.Index(fields=["match", "state"], name="articlematch_match_state")]

    def __str__(self):
        return f"{self.article_id} → {self.match}"


class FixtureFeed(models.Model):
    """A configured fixtures URL (NEWSDESK_FIXTURE_URLS) with what its last fetch left: the
    validators for a conditional GET, and the outcome."""

    url = models.URLField(max_length=1000, unique=True)
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["url"]
        verbose_name = _("wedstrijdfeed")
        verbose_name_plural = _("wedstrijdfeeds")

    def __str__(self):
        return self.url


# --- Keep and block rules (articles/ingest/rules.py, articles/ingest/screening.py) -------------


class FilterRule(models.Model):
    """What a feed may bring in: block what matches, or keep only what matches. Without a source
    it holds for every source. Block rules win; where any keep rule holds for a source (or the
    source is a general sports source), an article must satisfy one of them."""

    class Action(models.TextChoices):
        KEEP = "keep", _("bewaren")
        BLOCK = "block", _("blokkeren")

    class Kind(models.TextChoices):
        WORDS = "words", _("een van de woorden")
        PATTERN = "pattern", _("patroon (reguliere expressie)")
        NAMES = "names", _("noemt een club of speler")

    class Where(models.TextChoices):
        ANY = "any", _("titel, tekst of URL")
        TITLE = "title", _("titel")
        TEXT = "text", _("tekst")
        URL = "url", _("URL")

    source = models.ForeignKey(
        Source,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="filter_rules",
        verbose_name=_("bron"),
        help_text=_("Leeg: de regel geldt voor alle bronnen."),
    )
    action = models.CharField(_("actie"), max_length=10, choices=Action.choices, default=Action.BLOCK)
    kind = models.CharField(_("soort"), max_length=10, choices=Kind.choices, default=Kind.WORDS)
    where = models.CharField(_("waar"), max_length=10, choices=Where.choices, default=Where.ANY)
    value = models.TextField(
        _("woorden of patroon"),
        blank=True,
        help_text=_(
            "Woorden: één per regel of gescheiden door komma's; hele woorden, hoofdletters en accenten tellen "
            "niet. Patroon: een reguliere expressie (Python), hoofdletterongevoelig. Leeg bij “noemt een club "
            "of speler”."
        ),
    )
    is_active = models.BooleanField(_("actief"), default=True)
    note = models.CharField(_("notitie"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source__name", "action", "pk"]
        verbose_name = _("filterregel")
        verbose_name_plural = _("filterregels")

    def __str__(self):
        what = self.get_kind_display()
        if self.kind != self.Kind.NAMES:
            shown = " ".join(self.value.split())
            what = f"{what} “{shown[:60]}{'…' if len(shown) > 60 else ''}”"
        return _("%(action)s: %(what)s in %(where)s") % {
            "action": self.get_action_display().capitalize(),
            "what": what,
            "where": self.get_where_display(),
        }


class KeptOut(models.Model):
    """An entry (or a stored article, when rules were applied again) that the rules kept out,
    with the rule that did it; enough of it is kept to store it after all (let through)."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="kept_out", verbose_name=_("bron"))
    rule = models.ForeignKey(
        FilterRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kept_out",
        verbose_name=_("regel"),
    )
    reason = models.CharField(_("reden"), max_length=300)
    # The entry's GUID (its URL when it has none): one record per entry of a source.
    guid = models.CharField(_("GUID"), max_length=1000)
    url = models.URLField(_("URL"), max_length=1000)
    title = models.CharField(_("titel"), max_length=500)
    published_at = models.DateTimeField(_("gepubliceerd op"), null=True, blank=True)
    # The feed entry's fingerprint: the same entry is not fetched again at the next poll.
    entry_hash = models.CharField(max_length=64, blank=True)
    # The draft as it would have been stored (articles.ingest.screening.draft_data).
    draft = models.JSONField(default=dict, blank=True)
    # A stored article hidden when the rules were applied again.
    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("artikel"),
    )
    created_at = models.DateTimeField(_("tegengehouden op"), default=timezone.now)
    let_through = models.BooleanField(_("toch doorgelaten"), default=False)
    let_through_at = models.DateTimeField(_("doorgelaten op"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("tegengehouden artikel")
        verbose_name_plural = _("tegengehouden artikels")
        constraints = [models.UniqueConstraint(fields=["source", "guid"], name="keptout_unique_source_guid")]
        indexes = [models.Index(fields=["let_through", "-created_at"], name="keptout_let_through_created")]

    def __str__(self):
        return self.title or self.url
