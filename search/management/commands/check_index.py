from django.core.management.base import BaseCommand, CommandError

from search import indexing


class Command(BaseCommand):
    help = "Compare the search index with the database; exit 1 when they differ."

    def handle(self, *args, **options):
        report = indexing.compare()
        for label, ids in (
            ("published but not in the index", report.missing),
            ("in the index but not published", report.extra),
            ("index copy older than the article", report.stale),
        ):
            if ids:
                shown = ", ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
                self.stdout.write(f"{len(ids)} {label}: {shown}")
        if not report.clean:
            raise CommandError("the index differs from the database (rebuild_index or wait for the next sync)")
        self.stdout.write("index matches the database")
