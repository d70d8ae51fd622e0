from django.core.management.base import BaseCommand, CommandError

from articles.ingest import landing, screening
from articles.models import Source


class Command(BaseCommand):
    help = (
        "Apply the keep and block rules again to the stored articles of every source (or one): what they "
        "keep out is hidden and recorded, what they no longer keep out comes back. Articles editors let "
        "through, changed in the admin or pinned to a story stay as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", type=int, help="only this source id")

    def handle(self, *args, source=None, **options):
        if source is not None and not Source.objects.filter(pk=source).exists():
            raise CommandError(f"no source with id {source}")
        with landing.in_bulk():  # recorded entries stored now land in batches, indexed once
            counts = screening.reapply(source)
        self.stdout.write(
            "apply_rules: {checked} articles checked, {hidden} hidden, {exempt} left to editors' decisions, "
            "{restored} published again, {stored} recorded entries stored".format(**counts)
        )
