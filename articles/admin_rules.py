"""The admin of keep and block rules (FilterRule) and of what they kept out (KeptOut): editors
write rules, see what each kept out, let an article through after all, and apply the rules
again to the stored articles. Imported by articles.admin, which registers everything else."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles import tasks
from articles.ingest import rules, screening
from articles.models import FilterRule, KeptOut, Source
from newsdesk.celery import send_or_defer

TEXT_PREVIEW = 1500  # characters of a kept-out text the record's page shows


class FilterRuleForm(forms.ModelForm):
    """A rule as ingestion will use it: a pattern that does not compile, or that would hang on a
    long text, is the editor's form error here, never an error at every fetch."""

    class Meta:
        model = FilterRule
        fields = ["source", "action", "kind", "where", "value", "is_active", "note"]
        widgets = {"value": forms.Textarea(attrs={"rows": 4, "spellcheck": "false"})}

    def clean(self):
        data = super().clean()
        kind, where, value = data.get("kind"), data.get("where"), data.get("value") or ""
        if not kind or not where:
            return data
        if found := rules.problem(kind, where, value):
            self.add_error("where" if kind == FilterRule.Kind.NAMES else "value", found)
        elif kind == FilterRule.Kind.WORDS:
            data["value"] = "\n".join(rules.split_words(value))  # one a line, each once
        elif kind == FilterRule.Kind.NAMES:
            data["value"] = ""  # a names rule has no words: none are kept to mislead
        return data


def send_apply_rules(modeladmin, request, source_ids: list[int | None]) -> None:
    """Queue a re-application of the rules per source (None: every source), and say so."""
    unsent = []
    for source_id in source_ids:
        args = () if source_id is None else (source_id,)
        transaction.on_commit(lambda args=args: send_or_defer(tasks.apply_rules, *args) or unsent.append(args))
    if unsent:  # the broker is down: nothing was changed, the editor tries again
        modeladmin.message_user(
            request,
            _("De taak kon niet verstuurd worden; probeer het over enkele minuten opnieuw."),
            messages.ERROR,
        )
        return
    modeladmin.message_user(
        request,
        _(
            "De regels worden opnieuw toegepast op de opgeslagen artikels. Wat ze tegenhouden, wordt verborgen "
            "en staat onder “Tegengehouden artikels”; wat ze niet meer tegenhouden, komt terug."
        ),
        messages.SUCCESS,
    )


@admin.register(FilterRule)
class FilterRuleAdmin(admin.ModelAdmin):
    form = FilterRuleForm
    list_display = ["__str__", "scope", "action", "kind", "where", "is_active", "kept_out_count", "note"]
    list_filter = ["action", "kind", "where", "is_active", ("source", admin.EmptyFieldListFilter), "source"]
    list_select_related = ["source"]
    search_fields = ["value", "note", "source__name"]
    fieldsets = [
        (None, {"fields": ["source", "action", "kind", "where", "value"]}),
        (_("Beheer"), {"fields": ["is_active", "note"]}),
    ]
    actions = ["apply_again", "activate", "deactivate"]

    def get_queryset(self, request):
        waiting = Q(kept_out__let_through=False)
        return super().get_queryset(request).annotate(n_kept_out=Count("kept_out", filter=waiting))

    @admin.display(description=_("geldt voor"), ordering="source__name")
    def scope(self, obj):
        return obj.source.name if obj.source_id else _("alle bronnen")

    @admin.display(description=_("tegengehouden"), ordering="n_kept_out")
    def kept_out_count(self, obj):
        url = reverse("admin:articles_keptout_changelist") + f"?rule__id__exact={obj.pk}&let_through__exact=0"
        return format_html('<a href="{}">{}</a>', url, obj.n_kept_out)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self.message_user(
            request,
            _(
                "De regel geldt voor wat voortaan binnenkomt. Kies “Regels opnieuw toepassen” om hem ook op de "
                "opgeslagen artikels toe te passen."
            ),
            messages.INFO,
        )

    @admin.action(description=_("Regels opnieuw toepassen"))
    def apply_again(self, request, queryset):
        scopes = set(queryset.values_list("source_id", flat=True))
        send_apply_rules(self, request, [None] if None in scopes else sorted(scopes))

    @admin.action(description=_("Activeren"))
    def activate(self, request, queryset):
        queryset.update(is_active=True)

    @admin.action(description=_("Deactiveren"))
    def deactivate(self, request, queryset):
        queryset.update(is_active=False)


@admin.register(KeptOut)
class KeptOutAdmin(admin.ModelAdmin):
    """What the rules kept out, newest first; "Toch doorlaten" stores it after all."""

    list_display = ["title", "source", "why", "published_at", "created_at", "let_through"]
    list_filter = ["let_through", "source", ("article", admin.EmptyFieldListFilter), "rule", "created_at"]
    list_select_related = ["source", "rule"]
    search_fields = ["title", "url", "guid", "reason"]
    date_hierarchy = "created_at"
    list_per_page = 50
    fields = [
        "title",
        "source",
        "original_link",
        "why",
        "published_at",
        "created_at",
        "article_link",
        "let_through",
        "let_through_at",
        "text",
    ]
    readonly_fields = fields
    actions = ["let_through_action"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("waarom"))
    def why(self, obj):
        if obj.rule_id:
            url = reverse("admin:articles_filterrule_change", args=[obj.rule_id])
            return format_html('<a href="{}">{}</a>', url, obj.reason)
        return obj.reason

    @admin.display(description=_("origineel"))
    def original_link(self, obj):
        return format_html('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', obj.url, obj.url)

    @admin.display(description=_("artikel"))
    def article_link(self, obj):
        if not obj.article_id:
            return "—"
        url = reverse("admin:articles_article_change", args=[obj.article_id])
        return format_html('<a href="{}">{}</a>', url, _("bekijken"))

    @admin.display(description=_("tekst"))
    def text(self, obj):
        body = ((obj.draft or {}).get("fields") or {}).get("body", "")
        return (body[:TEXT_PREVIEW] + "…") if len(body) > TEXT_PREVIEW else body or "—"

    @admin.action(description=_("Toch doorlaten"))
    def let_through_action(self, request, queryset):
        outcome = screening.let_through(queryset.values_list("pk", flat=True))
        done = outcome.stored + outcome.published
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)d artikel doorgelaten: de regels houden het niet meer tegen.",
                    "%(count)d artikels doorgelaten: de regels houden ze niet meer tegen.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )
        elif not outcome.errors:
            self.message_user(request, _("Die artikels waren al doorgelaten."), messages.WARNING)
        for error in outcome.errors:
            self.message_user(request, _("Niet opgeslagen: %(error)s") % {"error": error}, messages.ERROR)


@admin.action(description=_("Regels opnieuw toepassen"))
def apply_source_rules(modeladmin, request, queryset):
    send_apply_rules(modeladmin, request, sorted(queryset.values_list("pk", flat=True)))


# The sources' own list gets the action too. Added to the registered admin rather than written
# into its class, so that the rules' admin stays in this module (articles.admin imports it last).
_source_admin = admin.site.get_model_admin(Source)
_source_admin.actions = [*(_source_admin.actions or []), apply_source_rules]
