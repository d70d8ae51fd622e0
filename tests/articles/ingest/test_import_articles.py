import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article, Source

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parents[3] / "articles" / "data" / "demo_articles.jsonl"


def line(**overrides):
    record = {
        "url": "https://sportkrant.example/a",
        "title": "Genk wint van Westerlo",
        "body": "KRC Genk heeft zaterdag met 2-0 gewonnen van Westerlo.",
        "published": "2026-11-14T20:00:00+01:00",
        "source": "Sportkrant",
    }
    record.update(overrides)
    return json.dumps(record)


def test_malformed_line_is_reported_with_its_number_and_good_lines_are_kept(tmp_path, capsys):
    path = tmp_path / "articles.jsonl"
    path.write_text(
        "\n".join(
            [
                line(url="https://sportkrant.example/1"),
                "{this is not json",
                line(url="https://sportkrant.example/3", title=""),
                line(url="https://sportkrant.example/4", published="gisteren"),
                line(url="https://sportkrant.example/5"),
            ]
        ),
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="3 line"):
        call_command("import_articles", str(path))
    err = capsys.readouterr().err
    assert "line 2:" in err
    assert "line 3: missing or empty 'title'" in err
    assert "line 4: 'published'" in err
    assert sorted(Article.objects.values_list("url", flat=True)) == [
        "https://sportkrant.example/1",
        "https://sportkrant.example/5",
    ]


def test_reimport_changes_nothing_and_changed_text_updates(tmp_path, capsys):
    path = tmp_path / "a.jsonl"
    path.write_text(line(), encoding="utf-8")
    call_command("import_articles", str(path))
    call_command("import_articles", str(path))
    assert "0 new, 0 updated, 1 unchanged" in capsys.readouterr().out
    path.write_text(line(body="KRC Genk heeft zaterdag met 3-0 gewonnen van Westerlo."), encoding="utf-8")
    call_command("import_articles", str(path))
    assert "1 updated" in capsys.readouterr().out
    article = Article.objects.get()
    assert "3-0" in article.body
    assert article.teaser.startswith("KRC Genk heeft zaterdag")


def test_imported_body_is_escaped_into_html(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(line(body="Een <script>alert(1)</script> poging & meer"), encoding="utf-8")
    call_command("import_articles", str(path))
    article = Article.objects.get()
    assert "<script>" not in article.body_html
    assert "&lt;script&gt;" in article.body_html


def test_demo_file_holds_forty_dutch_articles_that_all_import(capsys):
    call_command("import_articles", str(DEMO))
    assert Article.objects.count() >= 40
    assert Source.objects.count() >= 3
    assert Article.objects.filter(title__icontains="Club Brugge").exists()


def test_missing_file_is_a_clear_error():
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_articles", "/nonexistent/articles.jsonl")


@pytest.mark.django_db(transaction=True)  # real commits: each batch's follow-up runs as in production
def test_related_lists_of_an_import_find_the_import_own_similar_articles(tmp_path):
    """Related lists are computed after the import's index run: more-like-this then finds an
    article imported a line earlier. These two name no club, so nothing but their text relates
    them (no story, no club timeline)."""
    scheidsrechter = "De scheidsrechter floot een omstreden strafschop na tussenkomst van de videoref. "
    path = tmp_path / "a.jsonl"
    path.write_text(
        "\n".join(
            [
                line(url="https://a.example/1", title="Videoref grijpt in", body=scheidsrechter * 3),
                line(url="https://a.example/2", title="Omstreden strafschop", body=scheidsrechter * 2, source="B"),
                line(url="https://a.example/3", title="Weerbericht", body="Morgen regent het in het hele land."),
            ]
        ),
        encoding="utf-8",
    )
    call_command("import_articles", str(path))
    first, second, weather = (Article.objects.get(url=f"https://a.example/{n}") for n in (1, 2, 3))
    assert first.story_id is None or first.story_id != second.story_id
    assert second.pk in first.related_ids
    assert first.pk in second.related_ids
    assert first.pk not in weather.related_ids


def test_hostile_lines_are_reasons_and_the_good_lines_of_their_batch_are_kept(tmp_path, capsys):
    """What PostgreSQL refuses (NUL, over-long values) and what breaks a parser (deep nesting,
    wrong types, bytes that are not UTF-8) is each one line's reason, never a traceback, and
    the valid lines around them are stored, on PostgreSQL as on SQLite."""
    lines = [
        line(url="https://sportkrant.example/goed-1"),
        line(url="https://sportkrant.example/nul", body="Genk wint\x00 met 2-0."),
        line(url="https://sportkrant.example/nul-titel", title="Genk\x00"),
        line(url="https://sportkrant.example/" + "lang/" * 400),
        line(url="https://sportkrant.example/lange-bron", source="Bron " * 60),
        "[" * 100_000 + "]" * 100_000,
        line(url=12345),
        line(url="https://sportkrant.example:99999999/x"),
        line(url="https://sportkrant.example/goed-2"),
    ]
    path = tmp_path / "articles.jsonl"
    path.write_bytes("\n".join(lines).encode() + b"\n" + b'{"url": "\xff\xfe"}\n')
    with pytest.raises(CommandError, match="8 line"):
        call_command("import_articles", str(path))
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "line 2: 'body' holds a NUL character" in err
    assert "line 3: 'title' holds a NUL character" in err
    assert "line 4: 'url' is 2027 characters long, more than the 1000" in err
    assert "line 5: 'source' is 299 characters long, more than the 200" in err
    assert "line 6: JSON nested too deeply" in err
    assert "line 7: missing or empty 'url'" in err
    assert "line 8: Port out of range" in err
    assert "line 10: missing or empty 'title', 'body', 'source'" in err
    assert sorted(Article.objects.values_list("url", flat=True)) == [
        "https://sportkrant.example/goed-1",
        "https://sportkrant.example/goed-2",
    ]
