"""A Sphinx extension that writes the book's ``index.html``: a redirect to the first page.

sphinx-external-toc writes a one-line redirect when the root page is not
``index``. That page has no icon link, so Chromium asks for ``/favicon.ico``
before it follows the redirect, and sometimes logs the 404 (CI saw it once).
A real icon does not help: the redirect aborts its request (CI saw that too).
So this page asks for nothing: its icon is the empty ``data:,`` URL, and the
first page shows the book's icon. It has a title and a language, and keeps a
plain link for browsers that do not follow ``<meta http-equiv="Refresh">``.
Written first, it leaves sphinx-external-toc nothing to write.
"""
import html
import pathlib

PAGE = """<!DOCTYPE html>
<html lang="{language}">
<head>
<meta charset="utf-8">
<meta http-equiv="Refresh" content="0; url={target}">
<link rel="icon" href="data:,">
<title>{title}</title>
</head>
<body><p><a href="{target}">{title}</a></p></body>
</html>
"""


def _write_index(app, exception):
    if exception is not None or app.builder.format != "html" or app.config.root_doc == "index":
        return
    page = PAGE.format(language=app.config.language or "en",
                       target=html.escape(app.builder.get_target_uri(app.config.root_doc)),
                       title=html.escape(app.config.html_title or app.config.project))
    pathlib.Path(app.outdir, "index.html").write_text(page, encoding="utf-8")


def setup(app):
    app.connect("build-finished", _write_index, priority=400)  # before sphinx-external-toc's (500)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
