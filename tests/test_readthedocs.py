"""Read the Docs builds the site from the live wiki, with the command README documents."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml
from mw2sphinx.cli import parser

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".readthedocs.yaml"
README = ROOT / "README.md"
LIVE_API = "https://aiinterpretability.miraheze.org/w/api.php"
#: the installed command
CONVERT = "mw2sphinx convert"


def load() -> dict:
    return yaml.safe_load(CONFIG.read_text("utf-8"))


def readme_commands() -> list[list[str]]:
    """Every conversion command in README's shell blocks, as argument lists."""
    blocks = re.findall(r"^```sh\n(.*?)^```", README.read_text("utf-8"), re.M | re.S)
    lines = [line.split("#", 1)[0].strip() for block in blocks for line in block.splitlines()]
    return [shlex.split(line) for line in lines if line.startswith(CONVERT)]


def conversion_commands(config: dict) -> list[list[str]]:
    steps = config["build"]["jobs"]["pre_build"]
    return [shlex.split(step) for step in steps if CONVERT in step]


def test_shape():
    config = load()
    assert config["version"] == 2
    assert config["build"]["os"].startswith("ubuntu-")
    assert str(config["build"]["tools"]["python"]) == "3.11"
    requirements, package = config["python"]["install"]
    assert requirements == {"requirements": "requirements.txt"}  # the pins first
    assert (ROOT / requirements["requirements"]).is_file()
    # then the package: the command and the extension conf.py names
    assert package == {"method": "pip", "path": "."}
    assert (ROOT / "pyproject.toml").is_file()
    assert config["sphinx"]["configuration"] == "conf.py"
    assert (ROOT / config["sphinx"]["configuration"]).is_file()
    assert sorted(config["formats"]) == ["epub", "pdf"]


def test_converts_the_live_wiki_into_the_project_root_before_sphinx():
    config = load()
    assert list(config["build"]["jobs"]) == ["pre_build"]  # after the install, before Sphinx
    (command,) = conversion_commands(config)
    assert command[:2] == CONVERT.split()
    options = parser().parse_args(command[2:])
    assert options.source == LIVE_API
    # conf.py sits in the project root and reads the tree there
    assert Path(options.dest) == Path(".")
    assert Path(config["sphinx"]["configuration"]).parent == Path(".")


def test_runs_the_command_readme_documents():
    (command,) = conversion_commands(load())
    documented = readme_commands()
    assert command in documented
    # and that command is an instance of README's general form
    general = next(c for c in documented if "SRC" in c)
    assert [a for a in general if a.startswith("--")] == [a for a in command if a.startswith("--")]
