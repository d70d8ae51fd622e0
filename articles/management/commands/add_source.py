from django.core.management.base import BaseCommand, CommandError

from articles.ingest import extract, http, registration
from articles.models import Source


class Command(BaseCommand):
    help = "Register a feed (RSS or Atom) as a source: http and https URLs of sites outside this network only."

    def add_arguments(self, parser):
        parser.add_argument("url")
        parser.add_argument("--name", default="", help="the source's name (default: the feed's own title)")
        parser.add_argument("--selector", default="", help="CSS selector that holds the article text")

    def handle(self, *args, url, name, selector, **options):
        if problem := http.registration_problem(url):
            raise CommandError(problem)
        if selector and (problem := extract.selector_problem(selector)):
            raise CommandError(f"--selector {selector!r} is not a CSS selector the extraction can use: {problem}")
        if len(url) > Source._meta.get_field("feed_url").max_length:
            raise CommandError(f"the URL is longer than {Source._meta.get_field('feed_url').max_length} characters")
        if Source.objects.filter(feed_url=url).exists():
            raise CommandError(f"a source with this feed already exists: {url}")
        if not name:
            name, problem = registration.name_for(url)
            if problem:
                self.stderr.write(f"the feed could not be read now ({problem}); named after its host")
        elif Source.objects.filter(name=name).exists():
            raise CommandError(f"a source named {name!r} already exists; choose another --name")
        if len(name) > Source._meta.get_field("name").max_length:
            raise CommandError(f"the name is longer than {Source._meta.get_field('name').max_length} characters")
        source = Source.objects.create(name=name, feed_url=url, content_selector=selector)
        self.stdout.write(f"source {source.pk}: {source.name} ({url})")
