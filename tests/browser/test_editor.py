"""An editor in a real browser: logs in to the admin, merges two stories, features the result
and finds it first on the front page; the absorbed story's old address leads to it."""

import json

import pytest
from playwright.sync_api import expect

from tests.browser.harness import EDITOR

pytestmark = [pytest.mark.once]

# Django's own admin stylesheet draws the breadcrumbs' and object tools' links in a colour
# close to the text around them, without underline (axe: link-in-text-block). That is Django's
# markup and CSS, not ours; everything we add to the admin is checked with every rule.
ADMIN_RULES_OFF = ["link-in-text-block"]

LUKAKU = ["Romelu Lukaku terug in de selectie van de Rode Duivels", "Romelu Lukaku: 'Het WK is mijn grote doel'"]


def stories_of(site, titles) -> list[dict]:
    """pk, slug, size and headline of the stories of the articles with these titles."""
    code = (
        "import json\n"
        "from articles.models import Article\n"
        f"rows = Article.objects.filter(title__in={titles!r}).select_related('story', 'story__lead_article')\n"
        "print(json.dumps([{'pk': a.story.pk, 'slug': a.story.slug, 'size': a.story.article_count,"
        " 'headline': a.story.display_headline} for a in rows]))\n"
    )
    return json.loads(site.python(code).strip().splitlines()[-1])


def run_action(page, action: str, story_pks) -> None:
    """Tick the stories on the changelist, choose the action, run it."""
    for pk in story_pks:
        page.locator(f'input[name="_selected_action"][value="{pk}"]').check()
    page.locator('select[name="action"]').select_option(action)
    page.locator('button[name="index"]').click()


def test_an_editor_merges_two_stories_features_the_result_and_readers_follow(demo_site, new_page):
    chosen = stories_of(demo_site, LUKAKU)
    assert len({story["pk"] for story in chosen}) == 2, "the demo's two Lukaku articles are two stories"
    kept = max(chosen, key=lambda story: (story["size"], -story["pk"]))  # the biggest, then the oldest
    [absorbed] = [story for story in chosen if story["pk"] != kept["pk"]]

    page, watch = new_page(demo_site, "editor")
    watch.axe_disable = ADMIN_RULES_OFF
    page.goto(demo_site.url + "/admin/")
    expect(page).to_have_url(demo_site.url + "/admin/login/?next=/admin/")
    watch.check("login")
    page.get_by_label("Gebruikersnaam").fill(EDITOR[0])
    page.get_by_label("Wachtwoord").fill(EDITOR[1])
    page.locator('input[type="submit"]').click()
    expect(page).to_have_url(demo_site.url + "/admin/")
    watch.check("admin")

    page.get_by_role("link", name="Verhalen").first.click()
    expect(page).to_have_url(demo_site.url + "/admin/articles/story/")
    watch.check("stories")
    run_action(page, "merge", [kept["pk"], absorbed["pk"]])
    expect(page.locator(".messagelist")).to_contain_text("2 verhalen samengevoegd")
    expect(page.locator(f'input[name="_selected_action"][value="{absorbed["pk"]}"]')).to_have_count(0)
    watch.check("merged")

    # A reader's visit now caches the front page's story lists; featuring must renew them.
    reader, reader_watch = new_page(demo_site, "editor-reader")
    reader.goto(demo_site.url + "/")
    expect(reader.locator(".featured")).to_have_count(0)
    reader_watch.check("home-before")

    run_action(page, "feature", [kept["pk"]])
    expect(page.locator(".messagelist")).to_have_count(0)  # the flag actions say nothing
    watch.check("featured")

    reader.goto(demo_site.url + "/")
    first = reader.locator(".featured .story-card .teaser-title a").first
    expect(first).to_have_text(kept["headline"])
    expect(first).to_have_attribute("href", f"/stories/{kept['slug']}/")  # two articles: the story page
    reader_watch.check("home-featured")
    first.click()
    expect(reader.get_by_role("heading", level=1)).to_have_text(kept["headline"])
    expect(reader.locator(".timeline .teaser-title a")).to_have_count(2)
    reader_watch.check("merged-story")

    # The absorbed story's address, as a reader bookmarked it, leads to the merged story.
    response = reader.goto(f"{demo_site.url}/stories/{absorbed['slug']}/")
    assert response.request.redirected_from is not None
    assert response.request.redirected_from.response().status == 301
    expect(reader).to_have_url(f"{demo_site.url}/stories/{kept['slug']}/")
    expect(reader.get_by_role("heading", level=1)).to_have_text(kept["headline"])
    reader_watch.check("absorbed-address")
