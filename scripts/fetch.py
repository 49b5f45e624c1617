"""Store a live MediaWiki wiki as a snapshot folder, or update one; see ``--help``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mw2sphinx.sources.sync import main

if __name__ == "__main__":
    sys.exit(main())
