"""The ``links`` step: web addresses in a question are left out before it is read.

People paste the link of what they read beside their question («شو رأيك بهذا الخبر
https://…»). Read as words, its pieces (https, www, com, the site's name, the page's slug) are
question words no paragraph has, and they count against an answer: a trial saw a question
answered without its link refused with it.
"""

from __future__ import annotations

import re

# A scheme or www. and everything up to the next space; a bare domain under a common top-level
# domain, with its path. Latin letters only before the dot: Arabic text has no such words.
_LINK = re.compile(
    r"(?:[a-z][a-z0-9+.\-]*://|www\.)\S+"
    r"|\b[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.(?:com|org|net|gg|io|ai|me|co|info|news|tv)"
    r"\b(?:/\S*)?",
    re.IGNORECASE | re.ASCII,
)


def without_links(question: str) -> str:
    """``question`` with each web address replaced by a space."""
    return _LINK.sub(" ", question)
