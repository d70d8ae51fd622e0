import json

from django.core.management.base import BaseCommand, CommandError

from articles import selectors
from search.filters import SearchFilter
from search.searching import QueryError, search_articles


class Command(BaseCommand):
    help = 'Search the articles: search "QUERY" [--json] [--club SLUG] [--sort date] [--limit N]'

    def add_arguments(self, parser):
        parser.add_argument("query")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--club", default="")
        parser.add_argument("--player", default="")
        parser.add_argument("--sort", choices=["relevance", "date"], default="relevance")
        parser.add_argument("--limit", type=int, default=10)

    def handle(self, *args, query, json: bool, club, player, sort, limit, **options):
        data = {"q": query, "club": club, "player": player, "sort": sort}
        filterset = SearchFilter(data, queryset=selectors.published_articles())
        if not filterset.form.is_valid():
            raise CommandError(f"invalid options: {filterset.form.errors.as_text()}")
        try:
            found = search_articles(filterset, 1, limit)
            total = len(found.results) if found.is_query else found.results.count()
            rows = found.results[:limit]
        except QueryError as exc:
            raise CommandError(str(exc)) from None
        items = [
            {
                "id": (r.article if found.is_query else r).pk,
                "title": (r.article if found.is_query else r).title,
                "url": (r.article if found.is_query else r).url,
                "score": round(r.score, 4) if found.is_query else None,
            }
            for r in rows
        ]
        if json:
            self.stdout.write(_dumps({"count": total, "suggestion": found.suggestion, "results": items}))
            return
        self.stdout.write(f"{total} results" + (f" (bedoelde je: {found.suggestion})" if found.suggestion else ""))
        for item in items:
            self.stdout.write(f"{item['id']:>7}  {item['title']}  {item['url']}")


def _dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2)
