"""Keep and block rules: feeds read over real HTTP, what the rules keep out recorded with the
rule, let through by editors, and the rules applied again to stored articles."""

import dataclasses
import json

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.ingest import feeds, rules
from articles.models import Article, FilterRule, KeptOut, Source
from tests.articles.samples import article_page, full_content, rss
from tests.factories import ArticleFactory, ClubFactory, SourceFactory

pytestmark = pytest.mark.django_db

CYCLING = [
    "Wout van Aert won zondag de Omloop na een solo van dertig kilometer over de kasseien.",
    "Het peloton reed de hele dag tegen de wind in en kwam nooit meer terug.",
]
FOOTBALL = [
    "Club Brugge won zaterdag met 3-1 in een uitverkocht Jan Breydelstadion.",
    "De thuisploeg stond na twintig minuten al op voorsprong en gaf die niet meer uit handen.",
]
TENNIS = ["Elise Mertens haalde de kwartfinales na een zege in twee sets op het gravel."]


def entry(slug: str, title: str, paragraphs: list[str], **extra) -> dict:
    return {"title": title, "link": f"https://sportkrant.example/{slug}", "content": full_content(paragraphs), **extra}


def feed_source(feed_server, items, path="/feed.xml", **kwargs) -> Source:
    feed_server.route(path, rss(items))
    # The feeds carry the whole text: no page is read unless a test asks for it.
    return SourceFactory(feed_url=feed_server.url(path), fetch_full_text=kwargs.pop("fetch_full_text", False), **kwargs)


def rule(action="block", kind="words", where="any", value="", source=None, **extra) -> FilterRule:
    return FilterRule.objects.create(action=action, kind=kind, where=where, value=value, source=source, **extra)


def stored_titles() -> set[str]:
    return set(Article.objects.values_list("title", flat=True))


# --- Deciding ---------------------------------------------------------------------------------


def judge(filter_rules, title="", text="", url="https://sportkrant.example/a", named=(), general_sports=False):
    ruleset = rules.compile_rules(filter_rules, general_sports=general_sports)
    return rules.judge(ruleset, title=title, text=text, url=url, names=lambda: set(named))


def test_words_match_whole_words_whatever_their_capitals_and_accents():
    formula = FilterRule(kind="words", action="block", where="any", value="Formule 1\nwielrennen, café")
    assert not judge([formula], title="WIELRENNEN: de Ronde").kept
    assert not judge([formula], text="Hij reed zijn eerste race in de formule\n1 als twintigjarige.").kept
    assert not judge([formula], text="Na de wedstrijd dronk hij iets in het Cafe.").kept
    assert judge([formula], text="De wielrennenbond en de formules van de trainer.").kept  # not whole words


def test_a_rule_looks_only_where_it_is_told():
    in_url = FilterRule(kind="pattern", action="block", where="url", value=r"/(tennis|f1)/")
    assert not judge([in_url], url="https://sportkrant.example/tennis/mertens").kept
    assert judge([in_url], title="Vanaken en de tennis", url="https://sportkrant.example/voetbal/1").kept
    in_title = FilterRule(kind="words", action="block", where="title", value="tennis")
    assert judge([in_title], text="Na de training speelde de kern tennis.").kept
    assert not judge([in_title], title="Tennis: Mertens wint").kept


def test_block_rules_win_and_keep_rules_require_a_match():
    keep = FilterRule(pk=1, kind="words", action="keep", where="any", value="voetbal, doelpunt")
    block = FilterRule(pk=2, kind="words", action="block", where="any", value="vrouwen")
    assert judge([keep, block], text="Een doelpunt in de laatste minuut.").kept
    verdict = judge([keep, block], text="Een doelpunt bij de vrouwen.")
    assert not verdict.kept and verdict.rule.id == 2 and "Geblokkeerd" in verdict.reason
    verdict = judge([keep, block], text="Mertens wint op het gravel.")
    assert not verdict.kept and verdict.rule.id == 1 and "Voldoet niet" in verdict.reason
    # A general sports source: naming a club or player is its implicit keep rule, blocks still win.
    assert judge([], text="Club Brugge wint.", named={"body"}, general_sports=True).kept
    assert not judge([block], text="Club Brugge vrouwen wint.", named={"body"}, general_sports=True).kept
    verdict = judge([], text="Mertens wint.", general_sports=True)
    assert not verdict.kept and verdict.rule is None and "Algemene sportbron" in verdict.reason


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("(", "geen geldige reguliere expressie"),
        ("[a-", "geen geldige reguliere expressie"),
        ("(a|aa)+$", "te traag"),
        ("x*", "past op elke tekst"),
        ("a" * 301, "hoogstens 300 tekens"),
    ],
)
def test_a_pattern_that_cannot_be_used_is_refused_with_a_dutch_reason(value, message):
    assert message in rules.problem("pattern", "any", value)
    assert rules.problem("pattern", "any", r"\bF1\b|Formule ?1") is None


def test_a_pattern_out_of_time_keeps_the_article():
    """A pattern the form would refuse, arrived another way: its search is cut off and decides
    nothing, so it neither blocks nor keeps out."""
    slow = rules.Rule(
        9, "block", "pattern", ("text",), "traag", rules._pattern_search(rules.compile_pattern("(a|aa)+$"))
    )
    ruleset = rules.RuleSet(blocks=[slow])
    verdict = rules.judge(ruleset, title="", text="a" * 5000 + "!", url="", names=set)
    assert verdict.kept and verdict.slow == (slow,)
    ruleset = rules.RuleSet(keeps=[dataclasses.replace(slow, action="keep")])
    assert rules.judge(ruleset, title="", text="a" * 5000 + "!", url="", names=set).kept


# --- Ingestion -------------------------------------------------------------------------------------


def test_a_block_rule_keeps_an_entry_out_and_records_it_with_the_rule(feed_server):
    source = feed_source(
        feed_server, [entry("koers", "Van Aert wint de Omloop", CYCLING), entry("brugge", "Brugge wint", FOOTBALL)]
    )
    blocking = rule(value="peloton\nkasseien", where="text")
    report = feeds.fetch_and_ingest(source)
    assert report.counts["new"] == 1 and report.counts["kept_out"] == 1
    assert stored_titles() == {"Brugge wint"}
    kept_out = KeptOut.objects.get()
    assert (kept_out.source, kept_out.rule, kept_out.title) == (source, blocking, "Van Aert wint de Omloop")
    assert kept_out.url == "https://sportkrant.example/koers"
    assert "Geblokkeerd door de regel" in kept_out.reason
    assert CYCLING[0] in kept_out.draft["fields"]["body"]


def test_global_rules_hold_for_every_source_and_a_sources_rules_for_it_alone(feed_server):
    items = [entry("tennis", "Mertens wint", TENNIS), entry("koers", "Van Aert wint", CYCLING)]
    first = feed_source(feed_server, items, "/a.xml", name="Eerste")
    second = feed_source(feed_server, items, "/b.xml", name="Tweede")
    rule(value="gravel")  # every source
    rule(value="peloton", source=first)
    feeds.fetch_and_ingest_all(Source.objects.order_by("pk"))
    assert not Article.objects.filter(source=first).exists()
    assert set(Article.objects.filter(source=second).values_list("title", flat=True)) == {"Van Aert wint"}
    assert set(KeptOut.objects.values_list("source__name", "title")) == {
        ("Eerste", "Mertens wint"),
        ("Eerste", "Van Aert wint"),
        ("Tweede", "Mertens wint"),
    }


def test_a_keep_rule_lets_in_only_what_it_matches(feed_server):
    source = feed_source(feed_server, [entry("tennis", "Mertens wint", TENNIS), entry("brugge", "Brugge", FOOTBALL)])
    keep = rule(action="keep", value="stadion, Jan Breydelstadion, doelpunt", source=source)
    feeds.fetch_and_ingest(source)
    assert stored_titles() == {"Brugge"}
    assert KeptOut.objects.get().rule == keep


def test_a_general_sports_source_keeps_only_articles_naming_a_club_or_player(feed_server):
    ClubFactory(name="Club Brugge", slug="club-brugge")
    source = feed_source(
        feed_server,
        [entry("koers", "Van Aert wint de Omloop", CYCLING), entry("brugge", "Thuiszege", FOOTBALL)],
        general_sports=True,
    )
    report = feeds.fetch_and_ingest(source)
    assert report.counts["kept_out"] == 1
    assert stored_titles() == {"Thuiszege"}
    kept_out = KeptOut.objects.get()
    assert kept_out.rule is None and kept_out.title == "Van Aert wint de Omloop"
    assert kept_out.reason == "Algemene sportbron: noemt geen club of speler uit de gazetteer"


def test_a_kept_out_entry_is_not_fetched_again_until_it_changes(feed_server):
    page = feed_server.route("/koers/omloop", article_page("Van Aert wint", paragraphs=CYCLING * 3))
    item = {"title": "Van Aert wint", "link": page, "summary": "Kort."}
    source = feed_source(feed_server, [item], fetch_full_text=True)
    rule(value="peloton")
    assert feeds.fetch_and_ingest(source).counts["kept_out"] == 1
    feed_server.requests.clear()
    report = feeds.fetch_and_ingest(Source.objects.get())
    assert (report.counts["kept_out"], report.counts["unchanged"]) == (0, 1)
    assert [path for path, _ in feed_server.requests if path.startswith("/koers/")] == []
    # A changed entry is read again, and still recorded once.
    feed_server.route("/feed.xml", rss([{**item, "title": "Van Aert wint opnieuw"}]))
    assert feeds.fetch_and_ingest(Source.objects.get()).counts["kept_out"] == 1
    assert list(KeptOut.objects.values_list("title", flat=True)) == ["Van Aert wint opnieuw"]


def test_a_rule_that_does_not_compile_is_reported_on_the_source_and_ingestion_goes_on(feed_server):
    source = feed_source(feed_server, [entry("koers", "Van Aert wint", CYCLING), entry("brugge", "Brugge", FOOTBALL)])
    FilterRule.objects.create(kind="pattern", value="(peloton", action="block")  # not through the form
    report = feeds.fetch_and_ingest(source)
    assert report.counts["new"] == 2 and not report.failures
    assert stored_titles() == {"Van Aert wint", "Brugge"}
    source.refresh_from_db()
    assert "keep/block rules" in source.last_warning and "geen geldige reguliere expressie" in source.last_warning


def test_imports_go_through_the_rules(tmp_path, capsys):
    rule(value="gravel")
    lines = [
        {"url": "https://sportkrant.example/t", "title": "Mertens wint", "body": TENNIS[0], "source": "Sportkrant"},
        {"url": "https://sportkrant.example/b", "title": "Brugge wint", "body": FOOTBALL[0], "source": "Sportkrant"},
    ]
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    call_command("import_articles", str(path))
    assert "1 new" in capsys.readouterr().out
    assert stored_titles() == {"Brugge wint"}
    assert KeptOut.objects.get().guid == "https://sportkrant.example/t"
    call_command("import_articles", str(path))  # again: still recorded once
    assert "1 kept_out" in capsys.readouterr().out
    assert KeptOut.objects.count() == 1


def test_an_import_prints_the_rules_it_could_not_use_and_what_they_kept_out(tmp_path, capsys):
    rule(value="gravel")
    FilterRule.objects.create(kind="pattern", value="(peloton", action="block")  # not through the form
    lines = [
        {"url": "https://sportkrant.example/t", "title": "Mertens wint", "body": TENNIS[0], "source": "Sportkrant"},
        {"url": "https://sportkrant.example/k", "title": "Van Aert wint", "body": CYCLING[1], "source": "Sportkrant"},
        {"url": "https://sportkrant.example/b", "title": "Brugge wint", "body": FOOTBALL[0], "source": "Sportkrant"},
    ]
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    call_command("import_articles", str(path))  # a rule left out is no failure: exit 0
    out, err = capsys.readouterr()
    assert "2 new" in out and "1 kept out by the keep and block rules" in out
    [warning] = err.splitlines()  # once for the import, not once per line
    assert warning.startswith("rules: regel") and "geen geldige reguliere expressie" in warning
    assert stored_titles() == {"Van Aert wint", "Brugge wint"}


# --- Editors ------------------------------------------------------------------------------------


def run_action(client, model, action, objects):
    opts = model._meta
    return client.post(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
        {"action": action, "_selected_action": [o.pk for o in objects]},
        follow=True,
    )


def test_letting_an_entry_through_stores_it_and_the_rules_keep_it_out_no_more(admin_client, feed_server):
    source = feed_source(feed_server, [entry("koers", "Van Aert wint", CYCLING)])
    rule(value="peloton")
    feeds.fetch_and_ingest(source)
    kept_out = KeptOut.objects.get()
    response = run_action(admin_client, KeptOut, "let_through_action", [kept_out])
    assert "1 artikel doorgelaten" in response.content.decode()
    article = Article.objects.get()
    assert (article.title, article.source, article.status) == ("Van Aert wint", source, Article.Status.PUBLISHED)
    assert CYCLING[1] in article.body
    kept_out.refresh_from_db()
    assert kept_out.let_through and kept_out.let_through_at and kept_out.article == article
    run_action(admin_client, KeptOut, "let_through_action", [kept_out])  # twice: stored once
    assert Article.objects.count() == 1
    # The entry is now known by its article: the next poll leaves it alone; re-applying too.
    assert feeds.fetch_and_ingest(Source.objects.get()).counts["unchanged"] == 1
    call_command("apply_rules")
    assert Article.objects.get().status == Article.Status.PUBLISHED


def test_applying_the_rules_again_hides_stored_articles_and_takes_back_what_they_no_longer_block(capsys, admin_user):
    source = SourceFactory()
    cycling = ArticleFactory(source=source, title="Van Aert wint", body=" ".join(CYCLING))
    football = ArticleFactory(source=source, title="Brugge wint", body=" ".join(FOOTBALL))
    edited = ArticleFactory(source=source, title="Koers in de kern", body=CYCLING[1])
    pinned = ArticleFactory(source=source, title="Peloton", body=CYCLING[1], story_pinned=True)
    LogEntry.objects.create(  # an editor changed it in the admin
        user=admin_user,
        content_type=ContentType.objects.get_for_model(Article),
        object_id=str(edited.pk),
        object_repr=edited.title,
        action_flag=CHANGE,
        change_message="[]",
    )
    blocking = rule(value="peloton", where="text")
    call_command("apply_rules", "--source", str(source.pk))
    assert "4 articles checked, 1 hidden, 2 left to editors' decisions" in capsys.readouterr().out
    statuses = dict(Article.objects.values_list("pk", "status"))
    assert statuses == {cycling.pk: "hidden", football.pk: "published", edited.pk: "published", pinned.pk: "published"}
    record = KeptOut.objects.get()
    assert (record.article, record.rule) == (cycling, blocking)
    assert Article.objects.get(pk=cycling.pk).is_index_stale
    call_command("apply_rules")  # again: nothing more
    assert "0 hidden" in capsys.readouterr().out and KeptOut.objects.count() == 1
    # The rule goes: the hidden article comes back, its record goes.
    blocking.is_active = False
    blocking.save()
    call_command("apply_rules")
    assert "1 published again" in capsys.readouterr().out
    assert Article.objects.get(pk=cycling.pk).status == Article.Status.PUBLISHED
    assert not KeptOut.objects.exists()


def test_applying_the_rules_again_stores_recorded_entries_they_no_longer_keep_out(feed_server):
    source = feed_source(feed_server, [entry("koers", "Van Aert wint", CYCLING)])
    blocking = rule(value="peloton")
    feeds.fetch_and_ingest(source)
    blocking.delete()
    call_command("apply_rules")
    assert stored_titles() == {"Van Aert wint"} and not KeptOut.objects.exists()


def test_an_article_an_editor_published_again_stays_published(admin_client):
    article = ArticleFactory(title="Van Aert wint", body=CYCLING[1])
    rule(value="peloton")
    call_command("apply_rules")
    run_action(admin_client, Article, "publish", [article])
    call_command("apply_rules")
    assert Article.objects.get().status == Article.Status.PUBLISHED
    assert KeptOut.objects.get().let_through


def test_the_admin_actions_apply_the_rules_again(admin_client, django_capture_on_commit_callbacks):
    source = SourceFactory()
    article = ArticleFactory(source=source, title="Van Aert wint", body=CYCLING[1])
    blocking = rule(value="peloton", source=source)
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(admin_client, FilterRule, "apply_again", [blocking])
    assert "opnieuw toegepast" in response.content.decode()
    assert Article.objects.get(pk=article.pk).status == Article.Status.HIDDEN
    blocking.delete()
    with django_capture_on_commit_callbacks(execute=True):
        run_action(admin_client, Source, "apply_source_rules", [source])
    assert Article.objects.get(pk=article.pk).status == Article.Status.PUBLISHED


@pytest.mark.parametrize(
    ("value", "message"), [("(peloton", "geen geldige reguliere expressie"), ("(a|aa)+$", "te traag")]
)
def test_a_bad_pattern_is_a_form_error_in_the_admin(admin_client, value, message):
    data = {"source": "", "action": "block", "kind": "pattern", "where": "any", "value": value, "is_active": "on"}
    response = admin_client.post(reverse("admin:articles_filterrule_add"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not FilterRule.objects.exists()
    data["value"] = r"\bpeloton\b"
    assert admin_client.post(reverse("admin:articles_filterrule_add"), data).status_code == 302
    assert FilterRule.objects.get().value == r"\bpeloton\b"


def test_a_words_rule_is_saved_one_word_a_line(admin_client):
    data = {"source": "", "action": "block", "kind": "words", "where": "text", "value": "peloton, koers\n\nkoers"}
    admin_client.post(reverse("admin:articles_filterrule_add"), data)
    assert FilterRule.objects.get().value == "peloton\nkoers"


def test_the_admin_shows_what_was_kept_out_and_why_in_a_fixed_number_of_queries(admin_client):
    source = SourceFactory(name="Sportkrant")
    blocking = rule(value="peloton")

    def record(n):
        KeptOut.objects.create(
            source=source,
            rule=blocking,
            reason=f"Geblokkeerd door de regel “{blocking}”",
            guid=f"g{n}",
            url=f"https://sportkrant.example/{n}",
            title=f"Koers {n}",
            draft={"fields": {"body": "Het peloton reed hard."}},
        )

    record(0)
    url = reverse("admin:articles_keptout_changelist")
    with CaptureQueriesContext(connection) as one:
        page = admin_client.get(url).content.decode()
    assert "Koers 0" in page and "Sportkrant" in page and "Geblokkeerd door de regel" in page
    for n in range(1, 8):
        record(n)
    with CaptureQueriesContext(connection) as eight:
        assert "Koers 7" in admin_client.get(url).content.decode()
    assert len(eight) == len(one)
    detail = admin_client.get(reverse("admin:articles_keptout_change", args=[KeptOut.objects.first().pk]))
    assert "Het peloton reed hard." in detail.content.decode()
    rules_page = admin_client.get(reverse("admin:articles_filterrule_changelist")).content.decode()
    assert "alle bronnen" in rules_page and "peloton" in rules_page


def test_the_source_form_offers_general_sports(admin_client):
    source = SourceFactory()
    page = admin_client.get(reverse("admin:articles_source_change", args=[source.pk])).content.decode()
    assert 'name="general_sports"' in page and "algemene sportbron" in page.lower()


# --- Retention ------------------------------------------------------------------------------------


def test_old_records_go_and_let_through_ones_keep_their_row_but_not_their_draft(settings, feed_server):
    from datetime import timedelta

    from django.utils import timezone

    from articles.ingest import screening

    settings.NEWSDESK_KEPT_OUT_DAYS = 30
    source = feed_source(
        feed_server,
        [
            entry("koers", "Van Aert wint", CYCLING),
            entry("tennis", "Mertens wint", TENNIS),
            entry("weer", "Weer koers", CYCLING),
        ],
    )
    rule(value="peloton, gravel")
    hidden = ArticleFactory(source=source, title="Peloton", body=CYCLING[1])
    feeds.fetch_and_ingest(source)
    call_command("apply_rules")  # hides the stored article, recorded without a draft
    screening.let_through(KeptOut.objects.filter(title="Mertens wint").values_list("pk", flat=True))
    month_ago = timezone.now() - timedelta(days=31)
    KeptOut.objects.exclude(title="Weer koers").update(created_at=month_ago)

    assert screening.prune_kept_out() == {"deleted": 1, "slimmed": 1}
    records = {record.title: record for record in KeptOut.objects.all()}
    assert set(records) == {"Mertens wint", "Weer koers", "Peloton"}  # "Van Aert wint" is gone
    assert records["Mertens wint"].let_through and records["Mertens wint"].draft == {}
    assert records["Weer koers"].draft["fields"]["title"] == "Weer koers"  # a recent one keeps it
    assert records["Peloton"].article == hidden
    assert screening.prune_kept_out() == {"deleted": 0, "slimmed": 0}  # again: nothing more
    # What editors let through stays theirs, and a hidden article can still come back.
    call_command("apply_rules")
    assert Article.objects.get(title="Mertens wint").status == Article.Status.PUBLISHED
    FilterRule.objects.update(is_active=False)
    call_command("apply_rules")
    assert Article.objects.get(pk=hidden.pk).status == Article.Status.PUBLISHED


def test_beat_prunes_kept_out_records_daily():
    from django.conf import settings as django_settings

    from newsdesk.celery import app

    entry = django_settings.CELERY_BEAT_SCHEDULE["prune-kept-out"]
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == {4} and entry["schedule"].minute == {17}
