"""Markdown to safe HTML for the H5.

Markdown passes raw HTML through, so the rendered output is cleaned with an allow-list: an admin
account that is phished must not be able to plant script in the page every driver opens.
"""

import re

import bleach
import markdown

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul",
})
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title"],
    "abbr": ["title"],
    "img": ["src", "alt", "title", "width", "height"],
    "td": ["colspan", "rowspan", "align"],
    "th": ["colspan", "rowspan", "align", "scope"],
    "ol": ["start"],
}
# tel: so a hotline in the guide can be tapped to dial; no javascript:, data: or vbscript:.
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "tel"})

# bleach keeps the text inside a stripped element; for these the text itself is code, so drop it whole.
_DANGEROUS_BLOCKS = re.compile(r"<(script|style|iframe|object|embed|template)\b.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_SPACES = re.compile(r"\s+")


def sanitize_html(html: str) -> str:
    html = _DANGEROUS_BLOCKS.sub("", html)
    return bleach.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, protocols=ALLOWED_PROTOCOLS, strip=True,
                        strip_comments=True)


def render_markdown(text: str) -> str:
    html = markdown.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    return sanitize_html(html)


def plain_summary(html: str, length: int = 80) -> str:
    text = _SPACES.sub(" ", bleach.clean(html, tags=set(), strip=True)).strip()
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    return text if len(text) <= length else text[: length - 1] + "…"
