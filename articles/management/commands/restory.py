from django.core.management.base import BaseCommand
from tqdm import tqdm

from articles.management.commands.relink import iso_date
from articles.models import Article
from articles.stories import clustering


class Command(BaseCommand):
    help = (
        "Re-run story assignment over articles published in a date range (default: all), oldest "
        "first, with a progress bar. Articles an editor placed and locked stories stay as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", type=iso_date, help="from this publication date (YYYY-MM-DD)")
        parser.add_argument("--until", type=iso_date, help="up to and including this date (YYYY-MM-DD)")

    def handle(self, *args, since, until, **options):
        articles = Article.objects.published_between(since, until)
        with tqdm(total=articles.count(), unit="artikel", desc="restory", file=self.stderr._out, disable=None) as bar:
            report = clustering.restory(articles, progress=bar.update)
        self.stdout.write(
            f"restory: {report['articles']} articles in {report['stories']} stories, "
            f"{report['deleted']} empty stories removed"
        )
