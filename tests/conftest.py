"""Tests import the installed package (``pip install -e .``; tox installs it). pytest's
default import mode puts this folder first on the path, for the helper modules here."""


def pytest_addoption(parser):
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="rewrite the expected MyST in tests/golden/ from the converter's output",
    )
