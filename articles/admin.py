"""The newsroom's admin: every model, with the filters, searches and actions editors use."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles import tasks
from articles.entities import gazetteer, linking
from articles.ingest import extract, http, politeness, reextract, store
from articles.matches import reconcile
from articles.models import (
    Article,
    ArticleClub,
    ArticleMatch,
    ArticlePlayer,
    Club,
    Competition,
    FixtureFeed,
    GazetteerDeletion,
    LinkOrigin,
    LinkState,
    Match,
    Player,
    Source,
    Story,
)
from articles.stories import curation
from articles.web import sidebars
from newsdesk.celery import send_or_defer


def selector_errors(selectors: list[str]) -> list[forms.ValidationError]:
    """A form error for each of `selectors` that is no CSS selector the extraction can use."""
    errors = []
    for selector in selectors:
        if problem := extract.selector_problem(selector):
            errors.append(
                forms.ValidationError(
                    _("“%(selector)s” is geen bruikbare CSS-selector: %(problem)s"),
                    code="invalid_selector",
                    params={"selector": selector[:100], "problem": problem},
                )
            )
    return errors


class ExtractionRulesMixin:
    """A source's extraction rules, checked as the extraction will read them: a selector it
    cannot parse is the editor's form error, not a warning on every fetch."""

    def clean_content_selector(self):
        selector = (self.cleaned_data.get("content_selector") or "").strip()
        if errors := selector_errors([selector] if selector else []):
            raise forms.ValidationError(errors)
        return selector

    def clean_strip_selectors(self):
        selectors = extract.strip_list(self.cleaned_data.get("strip_selectors") or "")
        if len(selectors) > extract.MAX_STRIP_SELECTORS:
            raise forms.ValidationError(
                _("Hoogstens %(limit)d selectors om weg te laten."), params={"limit": extract.MAX_STRIP_SELECTORS}
            )
        if errors := selector_errors(selectors):
            raise forms.ValidationError(errors)
        return "\n".join(selectors)


class ExtractionPreviewForm(ExtractionRulesMixin, forms.Form):
    """The rules to try (saved or not) and the article to try them on."""

    content_selector = forms.CharField(
        label=_("CSS-selector voor de tekst"), max_length=extract.MAX_SELECTOR_LENGTH, required=False
    )
    strip_selectors = forms.CharField(
        label=_("CSS-selectors om weg te laten"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_("Eén per regel."),
    )
    preview_url = forms.URLField(
        label=_("Artikel-URL"),
        required=False,
        max_length=1000,
        assume_scheme="https",
        help_text=_("Leeg: het nieuwste artikel van de bron."),
    )


class SourceForm(ExtractionRulesMixin, forms.ModelForm):
    """Refuses a feed address a fetch would refuse (inward addresses), when it is entered, and
    extraction rules the extraction could not use."""

    def clean_feed_url(self):
        url = self.cleaned_data.get("feed_url")
        if url and (problem := http.registration_problem(url)):
            raise forms.ValidationError(problem)
        return url


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    form = SourceForm
    list_display = [
        "name",
        "feed_url",
        "is_active",
        "last_success_at",
        "short_error",
        "error_count",
        "next_fetch_at",
        "articles_last_7_days",
    ]
    list_filter = ["is_active", ("last_error", admin.EmptyFieldListFilter)]
    search_fields = ["name", "feed_url", "site_url"]
    # Health is the fetcher's record, not the editors': shown, never edited.
    readonly_fields = [
        "last_fetched_at",
        "last_success_at",
        "last_error",
        "last_error_at",
        "last_warning",
        "politeness_state",
        "error_count",
        "etag",
        "last_modified",
        "created_at",
    ]
    fieldsets = [
        (None, {"fields": ["name", "feed_url", "site_url", "is_active"]}),
        (
            _("Ophalen"),
            {"fields": ["fetch_interval", "fetch_full_text", "general_sports", "content_selector", "next_fetch_at"]},
        ),
        (_("Extractie"), {"fields": ["strip_selectors", "reextraction_state"]}),
        (_("Gezondheid"), {"fields": readonly_fields}),
    ]
    actions = ["fetch_now", "activate", "deactivate", "reextract_articles"]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "reextraction_state"]

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [path("<path:object_id>/voorbeeld/", preview, name="articles_source_preview"), *super().get_urls()]

    def get_queryset(self, request):
        week_ago = timezone.now() - timedelta(days=7)
        return (
            super()
            .get_queryset(request)
            .annotate(recent_count=Count("articles", filter=Q(articles__fetched_at__gte=week_ago)))
        )

    @admin.display(description=_("artikels (7 dagen)"), ordering="recent_count")
    def articles_last_7_days(self, obj):
        return obj.recent_count

    @admin.display(description=_("laatste fout"))
    def short_error(self, obj):
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    @admin.display(description=_("vertraagd of gestopt (nu)"))
    def politeness_state(self, obj):
        """Politeness as it stands (the cache): a pause of the feed's host, and what the source's
        pages met that its next fetch will write to the last warning."""
        lines = []
        if obj.feed_url and (pause := politeness.paused(obj.feed_url)):
            lines.append(politeness.pause_note(obj.feed_url, pause))
        lines += politeness.pending_notes(obj.pk) if obj.pk else []
        return "; ".join(lines) or "—"

    @admin.action(description=_("Nu ophalen"))
    def fetch_now(self, request, queryset):
        sources = list(queryset.filter(feed_url__isnull=False))
        queryset.update(next_fetch_at=timezone.now())
        for source in sources:
            # With the broker down, beat's next run fetches them: next_fetch_at is now.
            transaction.on_commit(lambda pk=source.pk: send_or_defer(tasks.fetch_source, pk))
        self.message_user(
            request,
            ngettext("%d bron wordt opgehaald.", "%d bronnen worden opgehaald.", len(sources)) % len(sources),
            messages.SUCCESS,
        )

    @admin.action(description=_("Activeren"))
    def activate(self, request, queryset):
        queryset.update(is_active=True, next_fetch_at=timezone.now())

    @admin.action(description=_("Deactiveren"))
    def deactivate(self, request, queryset):
        queryset.update(is_active=False)

    @admin.action(description=_("Artikels opnieuw extraheren"), permissions=["change"])
    def reextract_articles(self, request, queryset):
        started, busy, unsent = [], [], []
        for source in queryset:
            if reextract.start(source.pk) is None:
                busy.append(source.name)
                continue
            started.append(source.name)
            transaction.on_commit(
                lambda source=source: send_or_defer(tasks.reextract_source, source.pk) or unsent.append(source.name)
            )
        if started:
            self.message_user(
                request,
                ngettext(
                    "De artikels van %(count)d bron worden opnieuw geëxtraheerd; de voortgang staat bij de bron, "
                    "onder “Extractie”.",
                    "De artikels van %(count)d bronnen worden opnieuw geëxtraheerd; de voortgang staat bij elke "
                    "bron, onder “Extractie”.",
                    len(started),
                )
                % {"count": len(started)},
                messages.SUCCESS,
            )
        if busy:
            self.message_user(
                request, _("Al bezig, niet opnieuw gestart: %(names)s.") % {"names": ", ".join(busy)}, messages.WARNING
            )
        if unsent:  # the broker is down: the run waits on the source, a later start resumes it
            self.message_user(
                request,
                _("De taak kon niet verstuurd worden (%(names)s); probeer het over enkele minuten opnieuw.")
                % {"names": ", ".join(unsent)},
                messages.ERROR,
            )

    @admin.display(description=_("opnieuw extraheren"))
    def reextraction_state(self, obj):
        return describe_reextraction(obj.reextraction or {}) if obj.pk else "—"

    def preview_view(self, request, object_id):
        """The source's rules as the form has them (saved or not) tried on one of its articles:
        the text that would be stored beside the text stored now."""
        source = self.get_object(request, unquote(object_id))
        if source is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, source):
            raise PermissionDenied
        newest = source.articles.order_by("-published_at", "-pk").values_list("url", flat=True).first()
        # Opened by its link: the saved rules on the newest article. Other rules, or another page,
        # only by a POST (the change form's button, this page's form), which CSRF protects: no
        # other site can make an editor's browser send this server to a page of its choosing.
        saved = {"content_selector": source.content_selector, "strip_selectors": source.strip_selectors}
        posted = {name: request.POST[name] for name in request.POST} if request.method == "POST" else {}
        form = ExtractionPreviewForm({**saved, "preview_url": "", **posted})
        result = None
        if form.is_valid():
            url = form.cleaned_data["preview_url"] or newest
            if not url:
                messages.warning(request, _("Deze bron heeft nog geen artikels: geef het adres van een artikel op."))
            else:
                rules = form.cleaned_data
                result = reextract.preview(
                    source, url, rules["content_selector"], extract.strip_list(rules["strip_selectors"])
                )
                if result.reading.wait:
                    messages.warning(
                        request,
                        _("De site vraagt ons te wachten, probeer later opnieuw (over %(seconds)d s).")
                        % {"seconds": result.reading.wait},
                    )
                elif result.reading.error:
                    messages.error(
                        request,
                        _("De pagina %(url)s kon niet gelezen worden: %(error)s")
                        % {"url": url, "error": result.reading.error},
                    )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": source,
            "title": _("Voorbeeld van de extractie"),
            "form": form,
            "result": result,
            "outcome": PREVIEW_OUTCOMES.get(result.outcome, "") if result and not result.reading.wait else "",
            "method": EXTRACTION_METHODS.get(result.reading.method, "") if result else "",
            "stored_paragraphs": result.article.body.splitlines()[:PREVIEW_PARAGRAPHS]
            if result and result.article
            else [],
            "new_paragraphs": result.paragraphs[:PREVIEW_PARAGRAPHS] if result else [],
        }
        return TemplateResponse(request, "admin/articles/source/preview.html", context)


# The preview shows this many paragraphs of each text.
PREVIEW_PARAGRAPHS = 6
PREVIEW_OUTCOMES = {
    "new": _("Nog niet opgeslagen: zo zou het artikel bij het ophalen opgeslagen worden."),
    reextract.UPDATED: _("Opnieuw extraheren zou de opgeslagen tekst door deze vervangen."),
    reextract.UNCHANGED: _("Opnieuw extraheren zou niets veranderen: de tekst is dezelfde."),
    reextract.EDITED: _("De redactie heeft deze tekst bewerkt: opnieuw extraheren laat hem staan."),
    reextract.SKIPPED: _("Deze tekst komt volledig uit de feed: opnieuw extraheren laat hem staan."),
    reextract.FAILED: _("De pagina kon niet gelezen worden: de opgeslagen tekst blijft."),
}
EXTRACTION_METHODS = {
    "selector": _("met de CSS-selector"),
    "precise": _("automatisch (nauwkeurige lezing)"),
    "balanced": _("automatisch (ruime lezing)"),
}


def describe_reextraction(progress: dict) -> str:
    """A source's re-extraction run as editors read it (Source.reextraction)."""
    if not progress:
        return "—"
    numbers = reextract.counts(progress)
    numbers["tally"] = (
        _(
            "%(updated)d bijgewerkt, %(unchanged)d ongewijzigd, %(failed)d niet te lezen, %(edited)d door de "
            "redactie bewerkt en behouden, %(skipped)d overgeslagen"
        )
        % numbers
    )
    if reextract.is_stale(progress):
        text = _(
            "Gestopt bij %(done)d van %(total)d artikels (%(tally)s); kies opnieuw “Artikels opnieuw extraheren” "
            "om verder te gaan."
        )
    elif progress.get("state") == reextract.QUEUED:
        text = _("In de wachtrij: %(total)d artikels.")
    elif progress.get("state") == reextract.PAUSED and reextract.wait_left(progress):
        numbers["until"] = date_format(
            timezone.localtime(timezone.now() + timedelta(seconds=reextract.wait_left(progress))), "TIME_FORMAT"
        )
        text = _("Wacht tot %(until)s, zoals de site vraagt: %(done)d van %(total)d artikels (%(tally)s).")
    elif progress.get("state") == reextract.PAUSED:
        text = _(
            "Onderbroken bij %(done)d van %(total)d artikels (%(tally)s); kies opnieuw “Artikels opnieuw "
            "extraheren” om verder te gaan."
        )
    elif progress.get("state") == reextract.RUNNING:
        text = _("Bezig: %(done)d van %(total)d artikels (%(tally)s).")
    else:
        finished = parse_datetime(progress.get("finished_at") or "")
        numbers["when"] = date_format(timezone.localtime(finished), "DATETIME_FORMAT") if finished else "?"
        text = _("Klaar op %(when)s: %(done)d artikels (%(tally)s).")
    errors = progress.get("errors") or []
    return (
        format_html(
            "{}{}",
            text % numbers,
            format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((e,) for e in errors))),
        )
        if errors
        else text % numbers
    )


class EditorLinkInline(admin.TabularInline):
    """Links an editor adds or changes are theirs; a removed automatic link becomes a rejection."""

    extra = 0
    fields = ["entity", "state", "origin", "mentioned_as"]
    readonly_fields = ["origin", "mentioned_as"]

    @admin.display(description=_("vermeld als"))
    def mentioned_as(self, obj):
        return ", ".join(sorted({m.get("text", "") for m in obj.mentions})) if obj.pk else ""


class ArticleClubInline(EditorLinkInline):
    model = ArticleClub
    fields = ["club", "state", "origin", "mentioned_as"]
    autocomplete_fields = ["club"]


class ArticlePlayerInline(EditorLinkInline):
    model = ArticlePlayer
    fields = ["player", "state", "origin", "mentioned_as"]
    autocomplete_fields = ["player"]


class ArticleMatchInline(admin.TabularInline):
    """Ties an editor makes or undoes are theirs: automatic runs never change them. Deleting an
    automatic tie records an untie (state rejected), as with club links."""

    model = ArticleMatch
    extra = 0
    fields = ["match", "state", "origin", "kind"]
    readonly_fields = ["origin", "kind"]
    autocomplete_fields = ["match"]

    @admin.display(description=_("soort"))
    def kind(self, obj):
        if not obj.pk:
            return ""
        return _("voorbeschouwing") if obj.article.published_at < obj.match.kickoff else _("verslag of reactie")


class MatchArticleInline(ArticleMatchInline):
    fields = ["article", "state", "origin", "kind"]
    autocomplete_fields = []
    raw_id_fields = ["article"]


def save_editor_ties(formset) -> None:
    """Save an ArticleMatch inline as the editor's decisions, then reconcile the matches' scores."""
    touched = set()
    for tie in formset.save(commit=False):
        tie.origin = LinkOrigin.EDITOR
        tie.save()
        touched.add(tie.match_id)
    for tie in formset.deleted_objects:
        tie.origin = LinkOrigin.EDITOR
        tie.state = LinkState.REJECTED
        tie.save()
        touched.add(tie.match_id)
    if touched:
        reconcile.reconcile(touched)


class IndexStateFilter(admin.SimpleListFilter):
    title = _("zoekindex")
    parameter_name = "index"

    def lookups(self, request, model_admin):
        return [("stale", _("te indexeren")), ("fresh", _("up-to-date"))]

    def queryset(self, request, queryset):
        stale = Article.objects.index_stale().values("pk")
        if self.value() == "stale":
            return queryset.filter(pk__in=stale)
        if self.value() == "fresh":
            return queryset.exclude(pk__in=stale)
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "source", "published_at", "status", "story", "is_duplicate", "index_state"]
    list_filter = [
        "status",
        "source",
        ("duplicate_of", admin.EmptyFieldListFilter),
        ("story", admin.EmptyFieldListFilter),
        IndexStateFilter,
        "language",
        "published_at",
    ]
    search_fields = ["title", "url", "guid", "author"]
    date_hierarchy = "published_at"
    list_select_related = ["source", "story", "story__lead_article"]
    list_per_page = 50
    raw_id_fields = ["duplicate_of", "story"]
    readonly_fields = ["content_hash", "fetched_at", "updated_at", "indexed_at", "extraction_note", "original_link"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "source", "original_link", "url", "guid", "status"]}),
        (_("Verhaal"), {"fields": ["story", "story_pinned"]}),
        (_("Tekst"), {"fields": ["teaser", "body", "body_html", "author", "language"]}),
        (_("Afbeelding"), {"fields": ["image_url", "image_width", "image_height", "image_alt"]}),
        (
            _("Administratie"),
            {
                "classes": ["collapse"],
                "fields": [
                    "published_at",
                    "fetched_at",
                    "updated_at",
                    "indexed_at",
                    "content_hash",
                    "duplicate_of",
                    "extraction_note",
                ],
            },
        ),
    ]
    inlines = [ArticleClubInline, ArticlePlayerInline]
    actions = ["hide", "publish", "split_off", "relink", "reindex", "feature_story"]

    def save_model(self, request, obj, form, change):
        moved = "story" in form.changed_data
        if moved:
            obj.story_pinned = True  # the editor placed it: automatic clustering leaves it there
        super().save_model(request, obj, form, change)
        if moved or "status" in form.changed_data:
            curation.moved_in_admin(obj, form.initial.get("story"))
        else:
            sidebars.invalidate()  # a new headline or teaser must show in the cached lists too

    @admin.action(description=_("Naar een nieuw verhaal verplaatsen"))
    def split_off(self, request, queryset):
        story = curation.split_off(queryset.values_list("pk", flat=True))
        count = story.article_count
        self.message_user(
            request,
            ngettext("%(count)d artikel staat nu in “%(story)s”.", "%(count)d artikels staan nu in “%(story)s”.", count)
            % {"count": count, "story": story},
        )

    @admin.display(description=_("duplicaat"), boolean=True)
    def is_duplicate(self, obj):
        return obj.duplicate_of_id is not None

    @admin.display(description=_("index"))
    def index_state(self, obj):
        return _("te indexeren") if obj.is_index_stale else _("ok")

    @admin.display(description=_("origineel"))
    def original_link(self, obj):
        return format_html('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', obj.url, obj.url)

    def save_formset(self, request, form, formset, change):
        if formset.model not in (ArticleClub, ArticlePlayer):
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for link in instances:
            link.origin = LinkOrigin.EDITOR
            link.save()
        # Deleting an automatic link would only let the linker add it back: record a rejection.
        for link in formset.deleted_objects:
            link.origin = LinkOrigin.EDITOR
            link.state = LinkState.REJECTED
            link.save()

    @admin.action(description=_("Verbergen"))
    def hide(self, request, queryset):
        count = store.set_status(queryset.values_list("pk", flat=True), Article.Status.HIDDEN)
        self.message_user(request, ngettext("%d artikel verborgen.", "%d artikels verborgen.", count) % count)

    @admin.action(description=_("Publiceren"))
    def publish(self, request, queryset):
        count = store.set_status(queryset.values_list("pk", flat=True), Article.Status.PUBLISHED)
        self.message_user(request, ngettext("%d artikel gepubliceerd.", "%d artikels gepubliceerd.", count) % count)

    @admin.action(description=_("Clubs en spelers opnieuw koppelen"))
    def relink(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        # With the broker down, the editor's handful is relinked here and now.
        transaction.on_commit(lambda: send_or_defer(tasks.relink_articles, ids) or linking.relink_ids(ids))
        self.message_user(
            request, ngettext("%d artikel wordt gekoppeld.", "%d artikels worden gekoppeld.", len(ids)) % len(ids)
        )

    @admin.action(description=_("Opnieuw indexeren"))
    def reindex(self, request, queryset):
        count = queryset.mark_index_stale()
        self.message_user(
            request, ngettext("%d artikel wordt geïndexeerd.", "%d artikels worden geïndexeerd.", count) % count
        )

    @admin.action(description=_("Verhaal uitlichten op de voorpagina"))
    def feature_story(self, request, queryset):
        story_ids = set(queryset.exclude(story=None).values_list("story_id", flat=True))
        count = Story.objects.filter(pk__in=story_ids).update(is_featured=True)
        sidebars.invalidate()
        level = messages.SUCCESS if count else messages.WARNING
        self.message_user(request, ngettext("%d verhaal uitgelicht.", "%d verhalen uitgelicht.", count) % count, level)


class PlayerInline(admin.TabularInline):
    model = Player
    fields = ["name", "slug", "role", "country"]
    extra = 0
    show_change_link = True


class NamesField(forms.Field):
    """A list of names (aliases, adjectives) edited one a line rather than as JSON: blank lines
    are left out, a name given twice is kept once, a name longer than `max_length` is refused."""

    widget = forms.Textarea

    def __init__(self, *, max_length: int, **kwargs):
        self.max_length = max_length
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "rows": 5, "spellcheck": "false"}

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value) -> list[str]:
        lines = value if isinstance(value, list | tuple) else str(value or "").splitlines()
        return list(dict.fromkeys(name for name in (str(line).strip() for line in lines) if name))

    def validate(self, value):
        super().validate(value)
        too_long = [name for name in value if len(name) > self.max_length]
        if too_long:
            raise forms.ValidationError(
                ngettext(
                    "Een naam mag hoogstens %(limit)d tekens lang zijn: %(names)s",
                    "Een naam mag hoogstens %(limit)d tekens lang zijn: %(names)s",
                    len(too_long),
                )
                % {"limit": self.max_length, "names": ", ".join(f"“{name[:40]}…”" for name in too_long)},
                code="max_length",
            )

    def has_changed(self, initial, data):
        return list(initial or []) != self.to_python(data)


# The gazetteer's lists of names, which the admin edits one a line.
NAME_LISTS = ("aliases", "context_aliases", "adjectives")


class GazetteerAdmin(admin.ModelAdmin):
    """What club and player admins share: alias search, article counts, relinking everything.

    What an editor changes here outlives load_gazetteer (articles/gazetteer.py compares each field
    with what the file last gave it); a deleted club or player is recorded so the file does not
    bring it back."""

    actions = ["relink_everything"]
    readonly_fields = ["editor_changes"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in NAME_LISTS:
            hint = _("Eén naam per regel.")
            return NamesField(
                max_length=self.model._meta.get_field("name").max_length,
                label=capfirst(db_field.verbose_name),
                help_text=f"{hint} {db_field.help_text}" if db_field.help_text else hint,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        # Aliases live in a JSON list; a text search of its serialized form finds "blauw-zwart".
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            queryset |= self.model.objects.filter(aliases__icontains=search_term)
        return queryset, may_have_duplicates

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=LabelledRowForm, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "slug" in form.changed_data:
            # Under its old slug the file would add the club or player a second time.
            gazetteer.record_deletion(self.model, form.initial["slug"])
        if not change or "slug" in form.changed_data:
            gazetteer.clear_deletion(self.model, obj.slug)
        sidebars.invalidate()  # club pages are cached whole: a new name or player must show

    def delete_model(self, request, obj):
        gazetteer.record_deletion(self.model, obj.slug)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for slug in queryset.values_list("slug", flat=True):
            gazetteer.record_deletion(self.model, slug)
        super().delete_queryset(request, queryset)

    @admin.display(description=_("door de redactie gewijzigd"))
    def editor_changes(self, obj):
        if obj.pk is None:
            return "—"
        if obj.shipped is None:
            return _("alles (niet uit de gazetteer)")
        names = [str(obj._meta.get_field(name).verbose_name) for name in gazetteer.edited_fields(obj)]
        return ", ".join(names) or "—"

    def get_queryset(self, request):
        linked = Q(article_links__state=LinkState.LINKED)
        return super().get_queryset(request).annotate(n_articles=Count("article_links", filter=linked))

    @admin.display(description=_("artikels"), ordering="n_articles")
    def article_count(self, obj):
        return obj.n_articles

    @admin.action(description=_("Alle artikels opnieuw koppelen"))
    def relink_everything(self, request, queryset):
        transaction.on_commit(lambda: send_or_defer(tasks.relink_all))
        self.message_user(request, _("Alle artikels worden opnieuw gekoppeld."))


@admin.register(Club)
class ClubAdmin(GazetteerAdmin):
    list_display = ["name", "slug", "country", "league", "article_count", "page_link"]
    list_filter = ["country", "league"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PlayerInline]

    def save_formset(self, request, form, formset, change):
        # The player inline edits and deletes players too: record them as the player admin does.
        for player_form in formset.initial_forms:
            if player_form in formset.deleted_forms or "slug" in player_form.changed_data:
                gazetteer.record_deletion(Player, player_form.initial["slug"])
        super().save_formset(request, form, formset, change)
        for player in formset.new_objects:
            gazetteer.clear_deletion(Player, player.slug)
        for player, changed in formset.changed_objects:
            if "slug" in changed:
                gazetteer.clear_deletion(Player, player.slug)

    @admin.display(description=_("pagina"))
    def page_link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), _("bekijken"))


@admin.register(Player)
class PlayerAdmin(GazetteerAdmin):
    list_display = ["name", "slug", "role", "club", "country", "article_count"]
    list_filter = ["role", "club__country", "country"]
    search_fields = ["name", "slug", "club__name"]
    autocomplete_fields = ["club"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["club"]


@admin.register(GazetteerDeletion)
class GazetteerDeletionAdmin(admin.ModelAdmin):
    """Clubs and players editors deleted: load_gazetteer leaves them out until this record goes."""

    list_display = ["slug", "kind", "deleted_at"]
    list_filter = ["kind"]
    search_fields = ["slug"]
    readonly_fields = ["kind", "slug", "deleted_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StoryArticleInline(admin.TabularInline):
    model = Article
    fk_name = "story"
    fields = ["title_link", "source", "published_at", "status"]
    readonly_fields = ["title_link", "source", "published_at", "status"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("titel"))
    def title_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:articles_article_change", args=[obj.pk]), obj.title)


class LabelledRowForm(forms.ModelForm):
    """A changelist row's editable fields, each labelled with its column and its row: the
    admin draws them as bare inputs, which a screen reader announces without a name."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("aria-label", f"{field.label}: {self.instance}")


class StoryForm(forms.ModelForm):
    class Meta:
        model = Story
        fields = ["headline", "slug", "lead_article", "is_featured", "featured_order", "is_locked"]

    def clean_lead_article(self):
        lead = self.cleaned_data.get("lead_article")
        if lead is not None and (self.instance.pk is None or lead.story_id != self.instance.pk):
            raise forms.ValidationError(_("Het hoofdartikel moet een artikel uit dit verhaal zijn."))
        return lead


def _set_flag(field: str, value: bool, description):
    """An admin action that sets one boolean field of the chosen rows."""

    @admin.action(description=description)
    def action(modeladmin, request, queryset):
        queryset.update(**{field: value})
        sidebars.invalidate()  # the home page's story lists are cached: featured ones must show

    return action


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    form = StoryForm
    list_display = [
        "__str__",
        "article_count",
        "source_count",
        "is_featured",
        "featured_order",
        "is_locked",
        "last_published_at",
    ]
    list_editable = ["is_featured", "featured_order", "is_locked"]
    list_filter = ["is_featured", "is_locked", "last_published_at"]
    search_fields = ["headline", "slug", "lead_article__title"]
    date_hierarchy = "last_published_at"
    raw_id_fields = ["lead_article"]
    list_select_related = ["lead_article"]
    readonly_fields = ["article_count", "source_count", "first_published_at", "last_published_at"]
    fields = [
        "headline",
        "slug",
        "lead_article",
        ("is_featured", "featured_order"),
        "is_locked",
        ("article_count", "source_count"),
        ("first_published_at", "last_published_at"),
    ]
    inlines = [StoryArticleInline]
    actions = ["merge", "feature", "unfeature", "lock", "unlock"]

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=LabelledRowForm, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "slug" in form.changed_data:
            curation.renamed(obj, form.initial.get("slug", ""))
        curation.story_edited(obj)

    @admin.action(description=_("Samenvoegen tot één verhaal"))
    def merge(self, request, queryset):
        chosen = list(queryset)
        if len(chosen) < 2:
            self.message_user(request, _("Kies minstens twee verhalen om samen te voegen."), messages.WARNING)
            return
        story = curation.merge(chosen)
        self.message_user(
            request, _("%(count)d verhalen samengevoegd in “%(story)s”.") % {"count": len(chosen), "story": story}
        )

    feature = _set_flag("is_featured", True, _("Uitlichten op de voorpagina"))
    unfeature = _set_flag("is_featured", False, _("Niet meer uitlichten"))
    lock = _set_flag("is_locked", True, _("Vergrendelen tegen automatische wijzigingen"))
    unlock = _set_flag("is_locked", False, _("Ontgrendelen"))


# --- Matches (articles/matches/) ------------------------------------------------------------


class ConflictFilter(admin.SimpleListFilter):
    title = _("berichtgeving")
    parameter_name = "berichtgeving"

    def lookups(self, request, model_admin):
        return [
            ("conflict", _("in conflict met de gegevens")),
            ("reported", _("uitslag enkel uit het nieuws")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "conflict":
            return queryset.filter(score_conflict=True)
        if self.value() == "reported":
            return queryset.filter(home_goals__isnull=True, reported_home_goals__isnull=False)
        return queryset


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "competition",
        "season",
        "round",
        "kickoff",
        "data_score",
        "news_score",
        "score_conflict",
    ]
    list_filter = [ConflictFilter, "competition", "season", "status"]
    search_fields = ["slug", "home__name", "away__name"]
    list_select_related = ["competition", "home", "away"]
    date_hierarchy = "kickoff"
    readonly_fields = ["reports"]
    raw_id_fields = ["home", "away"]
    inlines = [MatchArticleInline]

    @admin.display(description=_("uitslag (gegevens)"))
    def data_score(self, obj):
        return f"{obj.home_goals}-{obj.away_goals}" if obj.has_score else "–"

    @admin.display(description=_("uitslag (nieuws)"))
    def news_score(self, obj):
        return f"{obj.reported_home_goals}-{obj.reported_away_goals}" if obj.has_reported_score else "–"

    @admin.display(description=_("uitslagen in de berichtgeving"))
    def reports(self, obj):
        """Every score the tied articles give, with the article: where a conflict comes from."""
        if not obj.pk:
            return ""
        scores = reconcile.reported_scores(obj, reconcile.report_rows([obj.pk]).get(obj.pk, []))
        if not scores:
            return _("geen")
        rows = (
            (home, away, reverse("admin:articles_article_change", args=[article_id]), article_id)
            for home, away, article_id, _when in scores
        )
        return format_html("<ul>{}</ul>", format_html_join("", '<li>{}-{}: <a href="{}">artikel {}</a></li>', rows))

    def save_formset(self, request, form, formset, change):
        if formset.model is ArticleMatch:
            return save_editor_ties(formset)
        return super().save_formset(request, form, formset, change)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        reconcile.reconcile([obj.pk])  # an editor's score may settle (or raise) a conflict


@admin.register(ArticleMatch)
class ArticleMatchAdmin(admin.ModelAdmin):
    """Ties between articles and matches, to find by article or match, tie or untie. What an
    editor saves here is theirs; deleting a tie records an untie, which automatic runs keep."""

    list_display = ["article", "match", "state", "origin", "created_at"]
    list_filter = ["state", "origin"]
    search_fields = ["article__title", "match__slug"]
    list_select_related = ["article", "match__home", "match__away"]
    raw_id_fields = ["article"]
    autocomplete_fields = ["match"]
    readonly_fields = ["origin"]
    fields = ["article", "match", "state", "origin"]

    def save_model(self, request, obj, form, change):
        obj.origin = LinkOrigin.EDITOR
        super().save_model(request, obj, form, change)
        reconcile.reconcile({obj.match_id, *([form.initial["match"]] if form.initial.get("match") else [])})

    def delete_model(self, request, obj):
        self.delete_queryset(request, ArticleMatch.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        matches = set(queryset.values_list("match_id", flat=True))
        queryset.update(origin=LinkOrigin.EDITOR, state=LinkState.REJECTED)
        reconcile.reconcile(matches)


@admin.register(Competition)
class CompetitionAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(FixtureFeed)
class FixtureFeedAdmin(admin.ModelAdmin):
    """The configured fixture URLs (NEWSDESK_FIXTURE_URLS) and how their last fetch went."""

    list_display = ["url", "last_fetched_at", "last_success_at", "last_error"]
    readonly_fields = ["url", "etag", "last_modified", "last_fetched_at", "last_success_at", "last_error"]

    def has_add_permission(self, request):
        return False


from articles import admin_rules  # noqa: E402, F401  (keep and block rules: their own module)
