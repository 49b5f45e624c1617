"""The tables stage: wiki tables read as MediaWiki's table pass reads them, one cell a line."""

from __future__ import annotations

from mw2sphinx.tables import attributes, canonical_tables, grid_width, split_cells


def test_each_cell_on_a_line_of_its_own_its_text_trimmed():
    assert canonical_tables("{|\n|a|| b ||c\n!d!!e||f\n|}") == (
        "{|\n| a\n| b\n| c\n! d\n! e\n! f\n|}"
    )


def test_a_cells_attributes_end_at_its_first_bar_unless_they_hold_a_link():
    text = "{|\n|foo bar|baz\n|colspan=2 class=x|c\n|a [[B|b]] |d\n|}"
    assert canonical_tables(text) == ('{|\n| baz\n| colspan="2" | c\n| a [[B|b]] |d\n|}')


def test_attributes_without_a_bar_after_them_are_text():
    # pandoc would read them as attributes, and the cell as text of the one before
    assert canonical_tables("{|\n|x\n|style='color:red;'||y\n|}") == (
        "{|\n| x\n| <nowiki/>style='color:red;'\n| y\n|}"
    )


def test_a_row_or_the_end_is_only_at_a_lines_start():
    assert canonical_tables("{|\n|1||-2||}3\n|}") == "{|\n| 1\n| -2\n| }3\n|}"


def test_separators_in_text_are_references():
    text = "{|\n|a\nb || c!! d\n|}"
    assert canonical_tables(text) == "{|\n| a\nb |&#124; c!&#33; d\n|}"


def test_comments_and_extension_tags_are_opaque():
    text = "{|\n|<!-- a||b -->||<ref>x\n|y</ref>\n|}"
    assert canonical_tables(text) == "{|\n| <!-- a||b -->\n| <ref>x\n|y</ref>\n|}"


def test_header_cells_split_at_double_bangs_outside_tags():
    assert split_cells('a!!<span title="b!!c">d</span>', header=True) == [
        "a",
        '<span title="b!!c">d</span>',
    ]


def test_a_row_opens_at_its_first_cell():
    assert canonical_tables("{|\n|-\n|-\n|a\n|-\n|}") == "{|\n| a\n|}"


def test_the_first_row_gets_the_columns_of_the_widest():
    text = "{|\n|a\n|-\n|b||c||d\n|}"
    assert canonical_tables(text) == "{|\n| a\n|\n|\n|-\n| b\n| c\n| d\n|}"
    assert grid_width([[(1, 2), (1, 1)], [(1, 1)]]) == 2


def test_table_attributes_are_inert():
    assert canonical_tables("{| STYLE=__TOC__ class='a [[b]]'\n|x\n|}").startswith(
        '{| style="&#95;&#95;TOC&#95;&#95;" class="a &#91;&#91;b&#93;&#93;"\n'
    )
    assert attributes("a=1 B='2' c") == {"a": "1", "b": "2", "c": ""}


def test_a_link_cut_by_cells_ends_with_its_cell():
    assert canonical_tables("{|\n![[Foo|Bar!!]]\n|}") == "{|\n! [[Foo|Bar]]\n!\n|}"
    # a file's caption holds the cell ends
    text = "{|\n|[[File:X.png|a\n|b]]\n|}"
    shows = canonical_tables(text, shows_file=lambda target: target.startswith("File:"))
    assert shows == "{|\n| [[File:X.png|a\n| b]]\n|}"


def test_separators_in_a_nowiki_in_a_table_are_references():
    assert canonical_tables("{|\n|a<nowiki>b||c</nowiki>\n|}\n<nowiki>d||e</nowiki>") == (
        "{|\n| a<nowiki>b|&#124;c</nowiki>\n|}\n<nowiki>d||e</nowiki>"
    )
