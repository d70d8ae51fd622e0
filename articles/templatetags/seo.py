"""What a page tells search engines and link previews about itself: its canonical address and
its absolute URL (OpenGraph wants absolute URLs)."""

from urllib.parse import urlencode

from django import template
from django.utils.html import format_html

register = template.Library()

# Query parameters that say where a reader came from, not what the page shows.
TRACKING = {
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "twclid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "ref",
    "ref_src",
    "s_cid",
}


def is_tracking(name: str) -> bool:
    return name.lower().startswith("utm_") or name.lower() in TRACKING


def canonical_url(request) -> str:
    """The absolute address of this page without tracking parameters (nor `page=1`, the same
    page as none); what the page shows (its page number, its filters) stays."""
    kept = [
        (name, value)
        for name, values in request.GET.lists()
        if not is_tracking(name)
        for value in values
        if not (name == "page" and value in ("", "1"))
    ]
    query = urlencode(kept)
    return request.build_absolute_uri(request.path + (f"?{query}" if query else ""))


@register.simple_tag(takes_context=True)
def absolute_url(context, path: str) -> str:
    """`path` (a page's own address) as an absolute URL on the host the request came to."""
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


@register.simple_tag(takes_context=True)
def canonical_link(context) -> str:
    """`<link rel="canonical">` to this page, tracking parameters left out."""
    request = context.get("request")
    if request is None:
        return ""
    return format_html('<link rel="canonical" href="{}">', canonical_url(request))
