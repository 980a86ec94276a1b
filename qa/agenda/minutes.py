"""Where a proposal's minutes are: a document of the site, a page of the site, or elsewhere.

A moderator pastes the minutes' address. When it is one of the site's documents
(`/documents/<id>/…`) or one of its live CMS pages, the proposal keeps a link to that row,
so that the link survives a renamed file or a moved page; any other http(s) address is kept
as typed.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from wagtail.documents import get_document_model
from wagtail.models import Page, Site

DOCUMENT_PATH = re.compile(r"^/documents/(?P<pk>\d+)/")


@dataclass(frozen=True)
class Minutes:
    url: str = ""
    document: object = None
    page: object = None

    def as_fields(self) -> dict:
        return {
            "minutes_url": self.url if self.document is None and self.page is None else "",
            "minutes_document": self.document,
            "minutes_page": self.page,
        }


def _site_hosts() -> set[str]:
    return {site.hostname.lower() for site in Site.objects.all()}


def resolve(url: str, *, host: str = "") -> Minutes:
    """The document or page this address names on the site, else the address itself."""
    url = url.strip()
    parts = urlsplit(url)
    hostname = (parts.hostname or "").lower()
    if hostname and hostname not in {host.lower().split(":")[0], *_site_hosts()}:
        return Minutes(url=url)
    path = parts.path or "/"
    match = DOCUMENT_PATH.match(path)
    if match:
        document = get_document_model().objects.filter(pk=int(match["pk"])).first()
        if document is not None:
            return Minutes(url=url, document=document)
        return Minutes(url=url)
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is not None:
        relative = path.strip("/")
        url_path = site.root_page.url_path + (f"{relative}/" if relative else "")
        page = Page.objects.live().filter(url_path=url_path).first()
        if page is not None:
            return Minutes(url=url, page=page)
    return Minutes(url=url)
