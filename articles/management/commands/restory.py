from articles.management.base import DateRangeCommand
from articles.models import Article
from articles.stories import clustering


class Command(DateRangeCommand):
    help = (
        "Re-run story assignment over articles published in a date range (default: all), oldest "
        "first, with a progress bar. Articles an editor placed and locked stories stay as they are."
    )

    def handle(self, *args, since, until, **options):
        articles = Article.objects.published_between(since, until)
        with self.progress(articles.count(), "restory") as bar:
            report = clustering.restory(articles, progress=bar.update)
        self.stdout.write(
            f"restory: {report['articles']} articles in {report['stories']} stories, "
            f"{report['deleted']} empty stories removed"
        )
