"""Feeds and article pages written for the tests (our own Dutch sentences)."""

from html import escape

PARAGRAPHS = [
    "KRC Genk heeft zaterdagavond met 2-0 gewonnen van KVC Westerlo in een goed gevulde Cegeka Arena.",
    "Jarne Steuckers opende na twintig minuten de score met een droge knal in de benedenhoek.",
    "Westerlo kwam na de rust beter in de wedstrijd, maar doelman Hendrik Van Crombrugge hield stand.",
    "In de slotfase besliste Junya Ito de partij met een kopbal na een voorzet van Zakaria El Ouahdi.",
    "Door de zege klimt Genk naar de derde plaats, Westerlo blijft in de middenmoot hangen.",
]
BOILERPLATE = [
    "Wij gebruiken cookies om je ervaring te verbeteren",
    "Download onze gratis app",
    "Deel dit artikel op Facebook",
    "Meest gelezen vandaag",
    "Alle rechten voorbehouden",
]


def rss(items: list[dict], encoding: str = "utf-8", title: str = "Sportkrant voetbal") -> bytes:
    parts = []
    for item in items:
        content = f"<content:encoded><![CDATA[{item['content']}]]></content:encoded>" if item.get("content") else ""
        parts.append(
            f"""<item>
  <title>{escape(item["title"])}</title>
  <link>{escape(item["link"])}</link>
  <guid isPermaLink="false">{escape(item.get("guid", item["link"]))}</guid>
  <pubDate>{item.get("date", "Sat, 14 Nov 2026 20:00:00 +0100")}</pubDate>
  <description>{escape(item.get("summary", ""))}</description>
  {content}
</item>"""
        )
    xml = f"""<?xml version="1.0" encoding="{encoding}"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>{escape(title)}</title>
  <link>https://www.sportkrant.example/</link>
  <description>Het laatste voetbalnieuws</description>
  {"".join(parts)}
</channel>
</rss>"""
    return xml.encode(encoding, errors="xmlcharrefreplace")


def atom(entries: list[dict]) -> bytes:
    parts = "".join(
        f"""<entry>
  <title>{escape(e["title"])}</title>
  <link rel="alternate" href="{escape(e["link"])}"/>
  <id>{escape(e.get("guid", e["link"]))}</id>
  <updated>2026-11-15T18:00:00Z</updated>
  <author><name>{escape(e.get("author", "Redactie"))}</name></author>
  <content type="html">{escape(e["content"])}</content>
</entry>"""
        for e in entries
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Doelpunt.nu</title>
  <id>https://doelpunt-nu.example/</id>
  <updated>2026-11-15T18:00:00Z</updated>
  {parts}
</feed>""".encode()


def full_content(paragraphs=PARAGRAPHS) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in paragraphs)


def article_page(title: str, paragraphs=PARAGRAPHS, canonical: str = "", author: str = "Tom Verlinden") -> str:
    canonical_tag = f'<link rel="canonical" href="{escape(canonical)}">' if canonical else ""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    headlines = "".join(
        f'<li><a href="/voetbal/{n}">Ander nieuws nummer {n}: een kop over iets anders</a></li>' for n in range(12)
    )
    return f"""<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>{escape(title)} | Sportkrant</title>
{canonical_tag}
<meta name="author" content="{escape(author)}">
<meta property="article:published_time" content="2026-11-14T20:00:00+01:00">
</head><body>
<div class="cookie-banner"><p>{BOILERPLATE[0]}. Door verder te surfen ga je akkoord.</p><button>Akkoord</button></div>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/voetbal">Voetbal</a></li>
<li><a href="/wielrennen">Wielrennen</a></li><li><a href="/tennis">Tennis</a></li></ul></nav></header>
<div class="app-banner"><p>{BOILERPLATE[1]} en mis geen enkel doelpunt meer.</p></div>
<main>
<article>
<h1>{escape(title)}</h1>
<p class="byline">Door {escape(author)}</p>
<div class="share"><a href="#">{BOILERPLATE[2]}</a> <a href="#">Twitter</a> <a href="#">WhatsApp</a></div>
<div class="article-body">{body}</div>
</article>
</main>
<aside><h2>{BOILERPLATE[3]}</h2><ul>{headlines}</ul></aside>
<footer><p>© 2026 Sportkrant. {BOILERPLATE[4]}.</p></footer>
</body></html>"""
