"""The one error a source raises when it cannot be read at all."""


class SourceError(Exception):
    """The source cannot be read; the message names it (and the page), on one line."""
