from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.ingest.opml import OPMLError, import_sources


class Command(BaseCommand):
    help = "Add the feeds of an OPML file as sources; existing feeds are left alone."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            result = import_sources(path.read_bytes())
        except OPMLError as exc:
            raise CommandError(f"{path}: {exc}") from None
        self.stdout.write(
            f"sources: {len(result.created)} created, {len(result.existing)} existing, {len(result.refused)} refused"
        )
        for line in result.refused:
            self.stderr.write(f"refused {line}")
        if result.refused:
            raise CommandError(f"{len(result.refused)} feed(s) refused; the others were imported")
