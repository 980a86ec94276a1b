"""The Atom generator of every feed of the site.

Django's XML writer raises on the control characters XML 1.0 forbids (a vertical tab pasted
from a word processor, an escape sequence in a name): one such character in a title, summary
or author name would turn the whole feed into a server error. They carry no meaning in a feed,
so they are dropped.
"""

import re

from django.utils.feedgenerator import Atom1Feed

XML_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(value):
    if isinstance(value, str):
        return XML_FORBIDDEN.sub("", value)
    if isinstance(value, list | tuple):
        return type(value)(_xml_safe(item) for item in value)
    return value


class XmlSafeAtom1Feed(Atom1Feed):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.feed = {name: _xml_safe(value) for name, value in self.feed.items()}

    def add_item(self, *args, **kwargs):
        super().add_item(*args, **kwargs)
        self.items[-1] = {name: _xml_safe(value) for name, value in self.items[-1].items()}
