"""What every source shares: its one error, and which namespaces make up a site."""

from ..titles import CATEGORY, FILE, MAIN, TEMPLATE

#: Read besides the wiki's content namespaces: category pages (the navigation),
#: templates (for expansion) and file pages. Talk, user and project pages are not.
EXTRA_NAMESPACES = (CATEGORY, TEMPLATE, FILE)
#: The content namespaces of a wiki that does not say which they are (an export).
DEFAULT_CONTENT_NAMESPACES = (MAIN,)


class SourceError(Exception):
    """The source cannot be read; the message names it (and the page), on one line."""
