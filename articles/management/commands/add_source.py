from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError

from articles.models import Source


class Command(BaseCommand):
    help = "Register a feed (RSS or Atom) as a source. Only http and https URLs are accepted."

    def add_arguments(self, parser):
        parser.add_argument("url")
        parser.add_argument("--name", default="")
        parser.add_argument("--selector", default="", help="CSS selector that holds the article text")

    def handle(self, *args, url, name, selector, **options):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CommandError(f"not an http(s) URL: {url!r}")
        if Source.objects.filter(feed_url=url).exists():
            raise CommandError(f"a source with this feed already exists: {url}")
        name = name or parts.hostname
        if Source.objects.filter(name=name).exists():
            raise CommandError(f"a source named {name!r} already exists; pass --name")
        source = Source.objects.create(name=name, feed_url=url, content_selector=selector)
        self.stdout.write(f"source {source.pk}: {source.name} ({url})")
