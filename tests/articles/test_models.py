import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from articles.models import Article, ArticleClub, LinkOrigin
from tests.factories import ArticleFactory, ClubFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_duplicate_canonical_url_is_refused_by_the_database():
    article = ArticleFactory()
    # bulk_create skips model code entirely: only the database constraint can refuse it.
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.bulk_create([Article(source=article.source, url=article.url, title="Kopie", guid="")])


def test_same_guid_from_one_source_is_refused_but_allowed_from_another():
    article = ArticleFactory(guid="wedstrijd-42")
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.bulk_create(
            [Article(source=article.source, url="https://nieuws.example/anders", title="x", guid="wedstrijd-42")]
        )
    ArticleFactory(source=SourceFactory(), guid="wedstrijd-42")
    assert Article.objects.filter(guid="wedstrijd-42").count() == 2


def test_articles_without_guid_do_not_collide():
    source = SourceFactory()
    ArticleFactory(source=source, guid="")
    ArticleFactory(source=source, guid="")
    assert Article.objects.filter(source=source).count() == 2


def test_saving_an_article_makes_its_index_copy_stale():
    article = ArticleFactory()
    Article.objects.filter(pk=article.pk).update(indexed_at=F("updated_at"))
    article.refresh_from_db()
    assert not Article.objects.index_stale().filter(pk=article.pk).exists()
    article.title = "Nieuwe titel"
    article.save(update_fields=["title"])
    assert Article.objects.index_stale().filter(pk=article.pk).exists()


def test_changing_links_makes_the_index_copy_stale():
    article = ArticleFactory()
    Article.objects.filter(pk=article.pk).update(indexed_at=F("updated_at"))
    ArticleClub.objects.create(article=article, club=ClubFactory(), origin=LinkOrigin.EDITOR)
    assert Article.objects.index_stale().filter(pk=article.pk).exists()


def test_slug_comes_from_the_title():
    article = ArticleFactory(title="Club Brugge wint de topper: 3-1!")
    assert article.slug == "club-brugge-wint-de-topper-3-1"
    assert article.get_absolute_url() == f"/articles/{article.pk}/club-brugge-wint-de-topper-3-1/"


def test_published_among_leaves_out_hidden_and_duplicate_articles_in_one_query(django_assert_num_queries):
    shown, hidden = ArticleFactory(), ArticleFactory(status=Article.Status.HIDDEN)
    duplicate = ArticleFactory(duplicate_of=shown)
    ids = [shown.pk, hidden.pk, duplicate.pk, 987654]
    with django_assert_num_queries(1):  # after only(), the check's own fields come along
        found = Article.objects.only("title").published_among(ids)
        assert [article.title for article in found] == [shown.title]
    assert {a.pk for a in Article.objects.published()} == {a.pk for a in Article.objects.published_among(ids)}
