from django.core.management.base import CommandError

from articles.ingest.opml import OPMLError, import_sources
from articles.management.base import FileCommand


class Command(FileCommand):
    help = "Add the feeds of an OPML file as sources; existing feeds are left alone."

    def handle_file(self, path, **options):
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
