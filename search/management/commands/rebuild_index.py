from django.core.management.base import BaseCommand
from tqdm import tqdm

from search import indexing


class Command(BaseCommand):
    help = "Build the whole search index anew beside the live one and swap it in; searches keep answering."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, quiet=False, **options):
        bar = None

        def progress(done, total):
            nonlocal bar
            if quiet:
                return
            if bar is None:
                bar = tqdm(total=total, unit="artikel", desc="index", file=self.stderr._out)
            bar.update(done - bar.n)

        count = indexing.rebuild(progress=progress)
        if bar is not None:
            bar.close()
        self.stdout.write(f"index rebuilt: {count} articles")
