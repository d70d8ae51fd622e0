from django.core.management.base import BaseCommand, CommandError

from articles.entities import gazetteer


class Command(BaseCommand):
    help = (
        "Upsert clubs and players by slug from a gazetteer JSON file (default: the shipped one). "
        "When anything changed, every article is re-linked (a task; in-process without a broker)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(gazetteer.SHIPPED_GAZETTEER))

    def handle(self, *args, file, **options):
        try:
            data = gazetteer.read(file)
            report = gazetteer.load(data)
        except gazetteer.GazetteerError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"gazetteer: {report.created} created, {report.updated} updated, {report.unchanged} unchanged"
        )
