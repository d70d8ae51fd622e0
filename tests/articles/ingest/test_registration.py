"""Registering feeds from the command line: named after their own title, as a feed reader does."""

import pytest
from django.core.management import CommandError, call_command

from articles.models import Source
from tests.articles.samples import rss

pytestmark = pytest.mark.django_db


def test_feeds_of_one_site_are_named_after_their_titles(feed_server, capsys):
    item = {"title": "Genk wint", "link": "https://a.example/1", "content": "<p>Genk wint.</p>"}
    first = feed_server.route("/voetbal.xml", rss([item], title="HLN <b>Voetbal</b>"))
    second = feed_server.route("/belgisch.xml", rss([item], title="HLN Belgisch voetbal"))
    same_title = feed_server.route("/voetbal-2.xml", rss([item], title="HLN Voetbal"))
    for url in (first, second, same_title):
        call_command("add_source", url)
    names = dict(Source.objects.values_list("feed_url", "name"))
    assert names[first] == "HLN Voetbal"  # the title as text, its markup gone
    assert names[second] == "HLN Belgisch voetbal"
    assert names[same_title] == "HLN Voetbal (127.0.0.1)"


def test_a_feed_that_cannot_be_read_now_is_named_after_its_host(feed_server, capsys):
    url = feed_server.route("/kapot.xml", status=500)
    call_command("add_source", url)
    assert Source.objects.get().name == "127.0.0.1"
    assert "could not be read now" in capsys.readouterr().err
    call_command("add_source", feed_server.route("/ook-kapot.xml", status=500))
    assert Source.objects.filter(name="127.0.0.1 (127.0.0.1)").exists()


def test_a_name_given_twice_is_refused(feed_server):
    call_command("add_source", feed_server.url("/a.xml"), "--name", "Sportkrant")
    with pytest.raises(CommandError, match="already exists"):
        call_command("add_source", feed_server.url("/b.xml"), "--name", "Sportkrant")


def test_fetch_sources_says_when_there_is_nothing_to_fetch(capsys):
    call_command("fetch_sources")
    assert "no active sources" in capsys.readouterr().out
