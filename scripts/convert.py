"""Convert a MediaWiki wiki into a Sphinx source tree; see ``--help``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mw2sphinx.cli import main

if __name__ == "__main__":
    sys.exit(main())
