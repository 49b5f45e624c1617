"""``mw2sphinx convert`` with this repository's defaults: the wiki it publishes, converted
into the project root (see ``--help``)."""

import argparse
import sys

import project
from mw2sphinx.cli import convert_main


def defaults(argv: list[str]) -> tuple[dict[str, str], str | None]:
    """The options this repository fills in, and a notice for the reader."""
    given = argparse.ArgumentParser(add_help=False)
    given.add_argument("--source")
    source = given.parse_known_args(argv)[0].source
    chosen: dict[str, str] = {"dest": str(project.ROOT)}
    notice = None
    if source is None:
        if project.SNAPSHOT.is_dir():
            source = chosen["source"] = str(project.SNAPSHOT)
        else:
            chosen["source"] = project.LIVE_API
            notice = f"no snapshot at {project.SNAPSHOT}: converting the live wiki instead"
    if source is not None and project.is_snapshot(source):
        chosen.update(site_name=project.SITE_NAME, article_url=project.ARTICLE_URL)
    return chosen, notice


def main(argv: list[str]) -> int:
    chosen, notice = defaults(argv)
    if notice:
        print(f"note: {notice}", file=sys.stderr)
    hint = (
        "give --source a snapshot folder or an XML export of the wiki, or run this where the "
        "network reaches the wiki"
        if notice
        else None
    )
    return convert_main(argv, prog="scripts/convert.py", defaults=chosen, source_hint=hint)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
