"""An article's lead image as the pages show it: `{% article_image article as image %}` gives it,
checked again (an address an editor typed, or an import, is held to the ingestion's rules), and
`articles/partials/lead_image.html` draws it."""

from django import template

from articles.ingest.images import LeadImage, lead_image

register = template.Library()


@register.simple_tag
def article_image(article) -> LeadImage | None:
    """The article's image (an Article, or anything without image fields: None)."""
    url = getattr(article, "image_url", "")
    if not url:
        return None
    width, height = getattr(article, "image_width", None), getattr(article, "image_height", None)
    return lead_image(url, "", width, height, getattr(article, "image_alt", ""))
