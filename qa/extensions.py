"""What the layers above `qa` add to its pages, without `qa` importing or naming them.

The site's CMS sits above the Q&A: a thread page may show its banners and link to its FAQ, but
`qa` may not include their templates or hard-code their addresses. The upper app registers its
part when it starts (`AppConfig.ready()`):

- `register_thread_banner(render)`: `render(context, question)` returns HTML shown above a
  thread (the CMS's "à revérifier" banner);
- `use_faq_url(find)`: `find(request)` returns the address of the FAQ page, or "".
"""

from collections.abc import Callable

_thread_banners: list[Callable] = []
_faq_url: Callable | None = None


def register_thread_banner(render: Callable) -> None:
    if render not in _thread_banners:
        _thread_banners.append(render)


def thread_banners(context, question) -> list[str]:
    return [render(context, question) for render in _thread_banners]


def use_faq_url(find: Callable) -> None:
    global _faq_url
    _faq_url = find


def faq_url(request) -> str:
    return _faq_url(request) if _faq_url is not None else ""
