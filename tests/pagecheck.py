"""What a reader meets on a book page, read in the browser (for tests/test_browser.py).

Each function takes a loaded Playwright ``page`` and returns a list of
problems as short strings naming the rule, the element and, inside a
widget, the widget's ``data-testid`` (empty list: none):

* `axe_problems`: serious or critical violations of WCAG 2.1 A/AA found by
  axe-core (injected into the page from node_modules/axe-core, fetched by
  scripts/fetch_widget_js.py; never part of the book);
* `untabbable_controls`: widget controls that Tab does not reach;
* `wider_than_screen`: content that makes the page scroll sideways, and
  printed output lines cut off at the right edge;
* `scaffolding_shown`: nbval markers or a set-up cell's code in view.
"""
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: No CSS transitions: the theme fades colours when the mode changes, and axe
#: must measure the contrast of the colours the reader ends up with.
NO_TRANSITIONS = "*, *::before, *::after { transition: none !important; animation: none !important; }"

_AXE_RUN = """async (options) => {
  const result = await axe.run(document, options);
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .flatMap(v => v.nodes.map(n => {
      const el = n.target.length === 1 ? document.querySelector(n.target[0]) : null;
      const widget = el && el.closest('.d2l-widget');
      return `${v.id} (${v.impact}): ${n.target.join(' ')}` +
             (widget ? ` in widget ${widget.dataset.testid}` : '') +
             ` -- ${n.html.slice(0, 140).replace(/\\s+/g, ' ')} -- ${v.help}`;
    }));
}"""


def axe_problems(page, rules=None):
    """axe-core's serious/critical WCAG 2.1 A/AA violations on ``page`` as it is now.

    ``rules``: only these axe rule ids (e.g. ``["color-contrast"]``); by default
    every rule tagged wcag2a, wcag2aa, wcag21a or wcag21aa.
    """
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    run_only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": WCAG_TAGS}
    return page.evaluate(_AXE_RUN, {"runOnly": run_only, "resultTypes": ["violations"]})


def set_colour_mode(page, mode):
    """Switch the theme to ``"light"`` or ``"dark"`` the way a reader's system setting does."""
    page.add_style_tag(content=NO_TRANSITIONS)
    page.emulate_media(color_scheme=mode)
    page.wait_for_function("mode => document.documentElement.dataset.theme === mode", arg=mode)


_MARK_CONTROLS = """(root) => {
  // every control a reader can use: native ones, and anything else given a tab stop
  const controls = [...root.querySelectorAll('input, select, button, textarea, [tabindex]')]
    .filter(el => el !== root && !el.disabled && el.checkVisibility({visibilityProperty: true})
                  && (el.matches('input, select, button, textarea') || el.tabIndex >= 0));
  const names = controls.map((el, k) => {
    el.dataset.d2lTabStop = k;
    const what = el.dataset.testid || el.getAttribute('aria-label') || el.textContent.trim().slice(0, 30);
    return `${el.tagName.toLowerCase()} "${what}"`;
  });
  root.tabIndex = -1;  // Tab from the root goes to the first control after it
  root.focus();
  return names;
}"""

_FOCUSED = """() => {
  const el = document.activeElement;
  return el && el.dataset.d2lTabStop !== undefined ? Number(el.dataset.d2lTabStop) : null;
}"""


def untabbable_controls(page):
    """The controls of each widget on ``page`` that pressing Tab from the widget's start misses."""
    problems = []
    roots = page.locator(".d2l-widget")
    for k in range(roots.count()):
        root = roots.nth(k)
        testid = root.get_attribute("data-testid")
        names = root.evaluate(_MARK_CONTROLS)
        reached = set()
        for _ in names:
            page.keyboard.press("Tab")
            stop = page.evaluate(_FOCUSED)
            if stop is None:
                break  # focus left the widget
            reached.add(stop)
        problems += [f"widget {testid} (#{k}): Tab never reaches {name}"
                     for stop, name in enumerate(names) if stop not in reached]
    return problems


_WIDE = """() => {
  const width = window.innerWidth, out = [];
  if (document.documentElement.scrollWidth > width) {
    // the outermost elements past the right edge that no scrolling box holds
    for (const el of document.querySelectorAll('article *')) {
      const r = el.getBoundingClientRect();
      if (r.right <= width + 1 || r.width === 0) continue;
      let held = false;
      for (let p = el.parentElement; p && !held; p = p.parentElement) {
        held = getComputedStyle(p).overflowX !== 'visible' && p.getBoundingClientRect().right <= width + 1;
      }
      const parent = el.parentElement.getBoundingClientRect();
      if (!held && parent.right <= width + 1) {
        const widget = el.closest('.d2l-widget');
        out.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')}` +
                 (widget ? ` in widget ${widget.dataset.testid}` : '') +
                 ` reaches ${Math.round(r.right)} px`);
      }
    }
    out.unshift(`the page is ${document.documentElement.scrollWidth} px wide`);
  }
  for (const pre of document.querySelectorAll('div.cell_output pre')) {
    if (pre.scrollWidth > pre.clientWidth + 1) {
      const line = pre.textContent.split('\\n').reduce((a, b) => (b.length > a.length ? b : a), '');
      out.push(`output line cut off (${pre.scrollWidth} px in ${pre.clientWidth} px): ${line.slice(0, 80)}`);
    }
  }
  return out.slice(0, 12);
}"""


def wider_than_screen(page, width):
    """At a viewport ``width`` px wide: what scrolls the page sideways or is cut off."""
    page.set_viewport_size({"width": width, "height": 900})
    return [f"{width} px: {problem}" for problem in page.evaluate(_WIDE)]


_SCAFFOLDING = """() => {
  const out = [];
  const article = document.querySelector('article') || document.body;
  if (article.innerText.includes('NBVAL')) out.push('an nbval marker is visible');
  for (const input of document.querySelectorAll('div.cell_input')) {
    if (input.textContent.includes('setup_notebook()')) {
      if (input.checkVisibility()) out.push("the set-up cell's code is visible");
      const output = input.closest('div.cell').querySelector('div.cell_output');
      if (!output || !output.checkVisibility()) out.push("the set-up cell's output is hidden");
    }
  }
  return out;
}"""


def scaffolding_shown(page):
    """What a reader sees of the notebook's scaffolding (book_ext/lesson_view.py hides it)."""
    return page.evaluate(_SCAFFOLDING)
