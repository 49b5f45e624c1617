"""Sphinx settings for any tree the converter writes: ``sphinx-build -c <this folder> SRC OUT``."""

import os

# The wiki's name comes from the converted tree (_wiki/site.json), see mw2sphinx.sphinxext.
project = "Wiki"

# Everything the converted pages need (MyST and its settings, sphinx-design, the reader's
# features, the shape of the PDF and ePub) comes with the one extension. The others make a
# site that travels: a sitemap, OpenGraph cards (a page's first paragraph and image) and a
# 404 page; mw2sphinx fills in their settings from html_baseurl.
extensions = ["mw2sphinx", "sphinx_sitemap", "sphinxext.opengraph", "notfound.extension"]
# The site's own address, for canonical links, the sitemap and the cards: Read the Docs
# gives it; anywhere else set it here or with -D html_baseurl=https://host/path/.
html_baseurl = os.environ.get("READTHEDOCS_CANONICAL_URL", "")
root_doc = "index"
# Only what the converter writes is part of the site, whatever else the folder holds.
include_patterns = ["index.md", "pages/**", "categories/**", "special/**"]
exclude_patterns = ["_build", "_wiki", "**/.wiki-staging-*"]

html_theme = "furo"
html_title = ""
html_last_updated_fmt = None
html_show_copyright = False
html_copy_source = False
html_show_sourcelink = False
# furo's sidebar with the wiki's tools (Random page) and the page's other languages above the
# navigation.
html_sidebars = {
    "**": [
        "sidebar/brand.html",
        "sidebar/search.html",
        "sidebar/scroll-start.html",
        "sidebar/wiki-tools.html",
        "sidebar/wiki-languages.html",
        "sidebar/navigation.html",
        "sidebar/ethical-ads.html",
        "sidebar/scroll-end.html",
        "sidebar/variant-selector.html",
    ]
}

# --- PDF and ePub: mw2sphinx gives both the shape of a book; here, their look -----------
# A Unicode engine: titles with dashes, quotes, accents and symbols (≤) typeset as typed.
latex_engine = "xelatex"
latex_domain_indices = False
latex_use_xindy = False  # no index; makeindex comes with TeX, xindy is a package of its own
latex_elements = {
    "papersize": "a4paper",
    # A PDF read on screen: chapters start on the next page, not the next right-hand one.
    "extraclassoptions": "openany,oneside",
    "releasename": "",
    "preamble": "\n".join(
        [
            # Long URLs break anywhere; no line juts into the margin.
            r"\usepackage{xurl}",
            r"\setlength{\emergencystretch}{3em}",
            # Footnote marks as on the wiki, [1][2], so that adjacent ones stay apart.
            r"\makeatletter",
            r"\renewcommand\@makefnmark{\hbox{\normalfont\textsuperscript{[\@thefnmark]}}}",
            # A footnote cited again on a later page: [2, p. 31]
            r"\renewcommand\sphinxthefootnotemark[2]{#1, p.\,#2}",
            r"\makeatother",
        ]
    ),
    # Main Page, categories and appendices as chapters, pages as sections.
    "tableofcontents": r"\renewcommand{\contentsname}{Contents}"
    r"\setcounter{tocdepth}{1}\sphinxtableofcontents",
    "printindex": "",
}
# The navigation follows the categories (the root's toctrees are hidden on the web site).
epub_tocscope = "includehidden"
epub_show_urls = "no"
epub_use_index = False
