import pytest
from django.core.management import CommandError, call_command

from articles.models import Source
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


def test_export_then_import_restores_the_sources(tmp_path):
    SourceFactory(
        name="Sportkrant & co",
        feed_url="https://sportkrant.example/rss?x=1&y=2",
        site_url="https://sportkrant.example/",
    )
    SourceFactory(name="Doelpunt.nu", feed_url="https://doelpunt-nu.example/atom.xml")
    SourceFactory(name="Alleen import", feed_url=None)
    path = tmp_path / "sources.opml"
    call_command("export_opml", str(path))
    exported = sorted(Source.objects.filter(feed_url__isnull=False).values_list("name", "feed_url", "site_url"))
    Source.objects.all().delete()
    call_command("import_opml", str(path))
    assert sorted(Source.objects.values_list("name", "feed_url", "site_url")) == exported


def test_import_skips_existing_feeds_and_refuses_non_http(tmp_path, capsys):
    SourceFactory(feed_url="https://a.example/rss")
    path = tmp_path / "in.opml"
    path.write_text(
        """<?xml version="1.0"?><opml version="1.0"><body>
        <outline text="Groep"><outline text="A" xmlUrl="https://a.example/rss"/>
        <outline text="B" xmlUrl="https://b.example/rss" htmlUrl="javascript:alert(1)"/></outline>
        <outline text="Lokaal" xmlUrl="file:///etc/passwd"/></body></opml>""",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="1 feed"):
        call_command("import_opml", str(path))
    assert "1 created, 1 existing, 1 refused" in capsys.readouterr().out
    b = Source.objects.get(feed_url="https://b.example/rss")
    assert (b.name, b.site_url) == ("B", "")


def test_malformed_opml_and_entities_are_refused(tmp_path):
    path = tmp_path / "bad.opml"
    path.write_text("<opml><body><outline", encoding="utf-8")
    with pytest.raises(CommandError, match="well-formed"):
        call_command("import_opml", str(path))
    secret = tmp_path / "secret.txt"
    secret.write_text("geheim", encoding="utf-8")
    path.write_text(
        f"""<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file://{secret}">]>
        <opml><body><outline text="&x;" xmlUrl="https://c.example/rss"/></body></opml>""",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="external entity"):
        call_command("import_opml", str(path))
    assert not Source.objects.filter(name__contains="geheim").exists()


def test_outlines_with_one_name_each_get_a_source_and_bad_ones_are_reasons_not_tracebacks(tmp_path, capsys):
    """Source names are unique: the second "Sport" gets its host, the third a number. A URL too
    long for its column is refused with the reason; the rest of the file is kept."""
    SourceFactory(name="Sport", feed_url="https://eerste.example/rss")
    long_url = "https://lang.example/" + "x" * 1000
    outlines = "".join(
        f'<outline text="Sport" xmlUrl="{url}"/>'
        for url in ["https://tweede.example/rss", "https://tweede.example/atom", long_url]
    )
    path = tmp_path / "sources.opml"
    path.write_text(f"<opml><body>{outlines}</body></opml>", encoding="utf-8")
    with pytest.raises(CommandError, match="1 feed"):
        call_command("import_opml", str(path))
    printed = capsys.readouterr()
    assert "2 created, 0 existing, 1 refused" in printed.out and "longer than 1000 characters" in printed.err
    names = dict(Source.objects.values_list("feed_url", "name"))
    assert names["https://tweede.example/rss"] == "Sport (tweede.example)"
    assert names["https://tweede.example/atom"] == "Sport (tweede.example) 2"
