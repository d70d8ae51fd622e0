import factory
from django.utils import timezone

from articles.models import Article, Club, Player, Source, Story


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    name = factory.Sequence(lambda n: f"Bron {n}")
    feed_url = factory.Sequence(lambda n: f"https://bron{n}.example/feed.xml")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    source = factory.SubFactory(SourceFactory)
    url = factory.Sequence(lambda n: f"https://nieuws.example/artikel/{n}")
    guid = factory.Sequence(lambda n: f"guid-{n}")
    title = factory.Sequence(lambda n: f"Wedstrijdverslag nummer {n}")
    body = "Een korte tekst over een wedstrijd in de Jupiler Pro League."
    body_html = "<p>Een korte tekst over een wedstrijd in de Jupiler Pro League.</p>"
    teaser = "Een korte tekst over een wedstrijd..."
    published_at = factory.LazyFunction(timezone.now)


class ClubFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Club

    slug = factory.Sequence(lambda n: f"club-{n}")
    name = factory.Sequence(lambda n: f"Voetbalclub {n}")
    country = "BEL"
    league = "Jupiler Pro League"


class PlayerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Player

    slug = factory.Sequence(lambda n: f"speler-{n}")
    name = factory.Sequence(lambda n: f"Speler Nummer{n}")
    club = factory.SubFactory(ClubFactory)


class StoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Story

    slug = factory.Sequence(lambda n: f"verhaal-{n}")
    headline = factory.Sequence(lambda n: f"Verhaal {n}")
