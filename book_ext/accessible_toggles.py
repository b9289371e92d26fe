"""A Sphinx extension that names myst-nb's "Show code cell source" toggles by their text.

myst-nb writes each collapsed cell as ``<details><summary aria-label="Toggle
hidden content">Show code cell source</summary>``: a screen reader says a
name the reader cannot see, and a voice-control user who says the visible
words finds no such control (WCAG 2.5.3, axe's label-content-name-mismatch).
This writes the same element without the aria-label, so the summary's name
is its visible text.
"""
from html import escape

from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput


def visit_hidden_cell(self, node):
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n<summary>\n')
    self.body.append(f'<p class="collapsed admonition-title">{escape(node["prompt_show"])}</p>\n')
    self.body.append(f'<p class="expanded admonition-title">{escape(node["prompt_hide"])}</p>\n')
    self.body.append("</summary>\n")


def setup(app):
    app.setup_extension("myst_nb")  # its translation of the node is the one replaced here
    app.add_node(HideCodeCellNode, override=True, html=(visit_hidden_cell, depart_HideCellInput))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
