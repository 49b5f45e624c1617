"""``mw2sphinx fetch``: store a live MediaWiki wiki as a snapshot folder, or update one
(see ``--help``)."""

import sys

from mw2sphinx.sources.sync import main

if __name__ == "__main__":
    sys.exit(main(prog="scripts/fetch.py"))
