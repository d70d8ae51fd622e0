"""Article pages and summary-only feeds around synthetic articles, for the ingestion benchmark:
about 40 KB a page, most of it the navigation, banners, sidebars and scripts of a real news site."""

from html import escape

from articles.bench.synthetic import SyntheticArticle

_NAV = "".join(f'<li><a href="/rubriek/{n}">Rubriek {n}</a></li>' for n in range(60))
_FOOTER = "".join(f'<li><a href="/info/{n}">Over ons, pagina {n}</a></li>' for n in range(40))
_SCRIPT = "var tracking = {" + ",".join(f'"k{n}": "{"x" * 40}"' for n in range(120)) + "};"
_STYLE = "".join(f".c{n} {{ margin: {n}px; padding: {n}px; color: #{n:06x}; }}\n" for n in range(150))


def page_html(article: SyntheticArticle, headlines: list[str]) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in article.body.split("\n"))
    sidebar = "".join(
        f'<li><a href="/artikel/{n}">{escape(h)}</a><p>{escape(h)} en meer nieuws...</p></li>'
        for n, h in enumerate(headlines)
    )
    return f"""<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8">
<title>{escape(article.title)} | {escape(article.source)}</title>
<link rel="canonical" href="{escape(article.url)}">
<meta property="article:published_time" content="{article.published.isoformat()}">
<style>{_STYLE}</style><script>{_SCRIPT}</script></head><body>
<div class="cookie-consent"><p>Wij en onze partners gebruiken cookies om inhoud en advertenties te
personaliseren. Klik op akkoord om verder te gaan.</p><button>Akkoord</button><button>Instellingen</button></div>
<header><nav><ul>{_NAV}</ul></nav></header>
<div class="app-promo"><p>Download de app en volg alle wedstrijden live.</p></div>
<main><article><h1>{escape(article.title)}</h1>
<div class="share"><a href="#">Deel op Facebook</a><a href="#">Deel op X</a><a href="#">WhatsApp</a></div>
<div class="article-body">{body}</div></article>
<aside><h2>Meest recent</h2><ul>{sidebar}</ul></aside></main>
<footer><ul>{_FOOTER}</ul><p>Alle rechten voorbehouden.</p></footer>
<script>{_SCRIPT}</script></body></html>"""


def summary_feed(title: str, site: str, items: list[tuple[SyntheticArticle, str]]) -> str:
    entries = "".join(
        f"""<item><title>{escape(a.title)}</title><link>{escape(link)}</link><guid>{escape(link)}</guid>
<pubDate>{a.published.strftime("%a, %d %b %Y %H:%M:%S %z")}</pubDate>
<description>{escape(a.body.split(". ")[0])}.</description></item>"""
        for a, link in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>
<title>{escape(title)}</title><link>{escape(site)}</link><description>Voetbal</description>{entries}</channel></rss>"""
