"""Where a training cell's text goes: one block that updates in place.

In a Jupyter kernel (JupyterLab, Colab, VS Code) the log is ONE display,
created on its first line and then updated (``display_id``), as fastai's
progress bars are: finished lines above, the running epoch's progress line
below them. It is plain text and HTML, no widget, so a saved notebook holds
its final state and shows it after a reload and in the static book. The
HTML wraps long lines instead of cutting them off.

Outside a kernel, lines go to stdout as printed lines; the progress line is
redrawn in place on stderr (``\\r``) when stderr is a terminal, and left
out otherwise (a log file would fill with carriage returns).
"""
import html
import sys

__all__ = ["TrainingLog", "in_notebook"]


def in_notebook():
    """True inside a Jupyter kernel (where ``display`` reaches a page)."""
    # A kernel has imported IPython long before any fit; importing it here
    # just to find out would cost a script a fraction of a second.
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and hasattr(shell, "kernel")


class TrainingLog:
    """Finished lines plus at most one progress line below them.

    ``line(text)`` adds a finished line, ``progress(text)`` replaces the
    progress line. Where the text goes is decided once, when the log is made.
    """

    def __init__(self):
        self.lines, self.progress_text = [], ""
        self._notebook = in_notebook()
        self._handle = None        # the display, once something is shown (notebook)
        self._shown = 0            # characters of progress on the terminal now

    def line(self, text):
        self.lines.append(text)
        if self._notebook:
            self._show()
        else:
            self._clear_terminal()
            print(text, flush=True)
            self._draw_terminal()

    def progress(self, text):
        self.progress_text = text
        if self._notebook:
            self._show()
        else:
            self._draw_terminal()

    def close(self):
        """End the block: a progress line left on the terminal gets its newline."""
        if not self._notebook and self._shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self._shown = 0

    def text(self):
        return "\n".join(self.lines + ([self.progress_text] if self.progress_text else []))

    def _bundle(self):
        # pre-wrap: a line longer than the page wraps instead of being cut off
        return {"text/plain": self.text(),
                "text/html": '<pre class="d2l-training-log" style="white-space: pre-wrap; '
                             f'margin: 0">{html.escape(self.text())}</pre>'}

    def _show(self):
        from IPython.display import display
        if self._handle is None:
            self._handle = display(self._bundle(), raw=True, display_id=True)
        else:
            self._handle.update(self._bundle(), raw=True)

    def _draw_terminal(self):
        if not self.progress_text or not sys.stderr.isatty():
            return
        text = self.progress_text
        sys.stderr.write("\r" + text + " " * max(0, self._shown - len(text)))
        sys.stderr.flush()
        self._shown = len(text)

    def _clear_terminal(self):
        if self._shown:
            sys.stderr.write("\r" + " " * self._shown + "\r")
            sys.stderr.flush()
            self._shown = 0
