from pathlib import Path

from django.core.management.base import BaseCommand

from articles.ingest.opml import export_sources


class Command(BaseCommand):
    help = "Write every source with a feed as OPML 2.0, to FILE or standard output."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?")

    def handle(self, *args, file=None, **options):
        document = export_sources()
        if file:
            Path(file).write_text(document, encoding="utf-8")
        else:
            self.stdout.write(document, ending="")
