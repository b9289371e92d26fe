"""A Sphinx extension that keeps sphinx-thebe's scripts out of the book's pages.

Jupyter Book 1 always loads sphinx-thebe, but this book launches notebooks
in Colab and never starts thebe. sphinx-thebe 0.3.1 still adds an inline
config script (``const THEBE_JS_URL = "https://unpkg.com/..."``) and
``sphinx-thebe.js`` to every page, and under Sphinx 7.4 the inline script
appears twice, so each page logged "Identifier 'THEBE_JS_URL' has already
been declared". Dropping both leaves nothing that refers to a CDN.
"""


def _is_thebe(script):
    name = str(getattr(script, "filename", script) or "")
    body = getattr(script, "attributes", {}).get("body", "")
    return name.endswith("sphinx-thebe.js") or "THEBE_JS_URL" in body


def _drop_thebe_scripts(app, pagename, templatename, context, doctree):
    if "script_files" in context:
        context["script_files"] = [s for s in context["script_files"] if not _is_thebe(s)]


def setup(app):
    app.connect("html-page-context", _drop_thebe_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
