from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles import gazetteer, linking, tasks
from articles.models import Article


class Command(BaseCommand):
    help = "Upsert clubs and players by slug from a gazetteer JSON file (default: the shipped one)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(gazetteer.SHIPPED_GAZETTEER))

    def handle(self, *args, file, **options):
        try:
            data = gazetteer.read(file)
            report = gazetteer.load(data)
        except gazetteer.GazetteerError as exc:
            raise CommandError(str(exc)) from None
        if report.changed:
            linking.bump_gazetteer_version()
            if Article.objects.exists():
                transaction.on_commit(lambda: tasks.relink_all.delay())
        self.stdout.write(
            f"gazetteer: {report.created} created, {report.updated} updated, {report.unchanged} unchanged"
        )
