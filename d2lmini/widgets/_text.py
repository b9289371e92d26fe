"""Sentences a widget writes in Python once and the page fills with its own numbers.

A widget saves its templates in its state; the page fills them with
``d2lFill`` of _base.js, Python with `fill`, by the same two rules:
``"{name}"`` is the value (an int with thousands separators) and
``"{name:word}"`` is ``"1 word"`` or ``"n words"``.
"""
import re

__all__ = ["fill"]


def fill(template, values):
    """``template`` with every ``{name}`` / ``{name:word}`` replaced from ``values``."""
    def one(match):
        value = values[match[1]]
        whole = isinstance(value, int) and not isinstance(value, bool)
        text = f"{value:,}" if whole else str(value)
        return text if match[2] is None else f"{text} {match[2]}{'' if value == 1 else 's'}"

    return re.sub(r"\{(\w+)(?::(\w+))?\}", one, template)
