"""The built HTML book in a real browser: widgets render once, work, stay local.

Needs the book built first (``jupyter-book build .`` makes ``_build/html``;
``scripts/test.sh`` builds it before running this file) and Chromium
(``apt-get install chromium``; ``.ci/run`` installs it). It serves
``_build/html`` on 127.0.0.1 and, for every page that holds widget state:

* no request fails and none goes anywhere but 127.0.0.1 (no CDN, no fonts);
* the console shows no error;
* every saved widget view is drawn exactly once (its ``data-testid`` root);
* the widgets compute the same numbers as PyTorch after an interaction.

Every other page (text, results, benchmarks, search) must load cleanly too:
no failed or off-site request, no console error. A screenshot of each page goes to ``_build/screenshots/``.

And every page reads cleanly for every reader (tests/pagecheck.py): no nbval
marker or set-up code in view; no serious or critical WCAG 2.1 A/AA violation
found by axe-core, in the light and (contrast) the dark colour mode; every
widget control reached by Tab; nothing wider than a 1280 px or a 390 px
screen, and no printed output line cut off at 1280 px.
"""
import contextlib
import functools
import http.server
import json
import pathlib
import re
import threading

import pytest
import torch
from torch import nn

from pagecheck import (AXE, axe_problems, scaffolding_shown, set_colour_mode, untabbable_controls,
                       wider_than_screen)
from pagewatch import chromium, chromium_path, off_site, watch

ROOT = pathlib.Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
STATE_RE = re.compile(
    r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>', re.S)
VIEW_RE = re.compile(
    r'<script type="application/vnd\.jupyter\.widget-view\+json">(.*?)</script>', re.S)


def widget_pages():
    if not HTML.is_dir():
        return []
    return sorted(p for p in HTML.rglob("*.html")
                  if "application/vnd.jupyter.widget-state+json" in p.read_text(errors="ignore"))


@functools.lru_cache(maxsize=None)  # collection and every test ask again for the same pages
def saved_widgets(page):
    """((model_id, anywidget class id, state), ...) of every widget VIEW saved in ``page``."""
    html = page.read_text()
    state = {}
    for block in STATE_RE.findall(html):
        state.update(json.loads(block)["state"])
    views = []
    for block in VIEW_RE.findall(html):
        model_id = json.loads(block)["model_id"]
        model = state[model_id]["state"]
        views.append((model_id, model.get("_anywidget_id", model.get("_model_name")), model))
    return tuple(views)


@functools.lru_cache(maxsize=None)
def widget_testids():
    """anywidget id (module.Class) -> data-testid, for every widget of d2lmini.widgets."""
    import d2lmini.widgets as widgets

    return {f"{cls.__module__}.{cls.__name__}": cls.testid
            for cls in (getattr(widgets, name) for name in widgets.__all__)}


pytestmark = [
    pytest.mark.skipif(not (HTML / "index.html").is_file(),
                       reason="no built book: run `jupyter-book build .` (scripts/test.sh does) "
                              "before tests/test_browser.py"),
    pytest.mark.skipif(chromium_path() is None,
                       reason="Chromium is missing: apt-get install chromium"),
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


class Visit:
    """A page opened in a fresh context, with everything it requested and logged."""

    def __init__(self, browser, server, page_path):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.requests, self.failed, self.errors = watch(self.page)
        rel = page_path.relative_to(HTML).as_posix()
        self.url = f"{server}/{rel}"
        self.name = rel.replace("/", "_").removesuffix(".html")
        self.page.goto(self.url, wait_until="load")

    def off_site(self):
        return off_site(self.requests)

    def roots(self, model_id):
        """The widget roots drawn for the saved view of ``model_id``."""
        return self.page.locator(f'[data-d2l-model="{model_id}"] .d2l-widget')

    def tag_views(self):
        """Mark each widget output area with its model id (from the saved view tag)."""
        return self.page.evaluate("""() => {
          const out = [];
          for (const s of document.querySelectorAll(
              'script[type="application/vnd.jupyter.widget-view+json"]')) {
            const id = JSON.parse(s.textContent).model_id;
            const area = s.previousElementSibling;
            if (area && area.classList.contains('widget-subarea')) {
              area.dataset.d2lModel = id;
              out.push(id);
            }
          }
          return out;
        }""")

    def screenshot(self):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{self.name}.png"), full_page=True)

    def close(self):
        self.context.close()


def _open(browser, server, page_path):
    visit = Visit(browser, server, page_path)
    ids = widget_testids()
    views = saved_widgets(page_path)
    # wait until every d2lmini widget has drawn itself
    for _, kind, _ in views:
        if kind in ids:
            visit.page.locator(f'.d2l-widget[data-testid="{ids[kind]}"]').first.wait_for(
                state="visible", timeout=30_000)
    visit.page.wait_for_load_state("networkidle")
    return visit, views, ids


PAGES = widget_pages()


def test_the_gallery_is_built_with_widgets():
    assert HTML / "chapters" / "widgets.html" in PAGES, (
        "chapters/widgets.html has no widget state: run scripts/execute.py chapters/widgets.ipynb")


@pytest.mark.parametrize("page_path", PAGES, ids=lambda p: p.relative_to(HTML).as_posix())
def test_widget_page_renders_each_widget_once_with_no_outside_requests(browser, server, page_path):
    visit, views, ids = _open(browser, server, page_path)
    try:
        tagged = visit.tag_views()
        visit.screenshot()
        assert visit.off_site() == [], "requests off 127.0.0.1"
        assert visit.failed == [], "failed requests"
        assert visit.errors == [], "console errors"
        assert sorted(tagged) == sorted(m for m, _, _ in views), "a saved view was not drawn"
        for model_id, kind, _ in views:
            if kind not in ids:
                continue
            roots = visit.roots(model_id)
            assert roots.count() == 1, f"{kind} ({model_id}) drawn {roots.count()} times"
            assert roots.first.is_visible()
            assert roots.first.get_attribute("data-testid") == ids[kind]
        for kind, testid in ids.items():
            expected = sum(k == kind for _, k, _ in views)
            assert visit.page.locator(f'.d2l-widget[data-testid="{testid}"]').count() == expected
    finally:
        visit.close()


def plain_pages():
    """The book's pages without widgets (text, figures, generated tables)."""
    if not HTML.is_dir():
        return []
    skip = {"_static", "_sources", "_images"}
    return sorted(p for p in HTML.rglob("*.html")
                  if not skip & set(p.relative_to(HTML).parts) and p not in PAGES)


@pytest.mark.parametrize("page_path", plain_pages(), ids=lambda p: p.relative_to(HTML).as_posix())
def test_page_without_widgets_loads_cleanly(browser, server, page_path):
    visit = Visit(browser, server, page_path)
    try:
        visit.page.wait_for_load_state("networkidle")
        assert visit.off_site() == [], "requests off 127.0.0.1"
        assert visit.failed == [], "failed requests"
        assert visit.errors == [], "console errors"
    finally:
        visit.close()


@pytest.mark.parametrize("page_path", PAGES + plain_pages(),
                         ids=lambda p: p.relative_to(HTML).as_posix())
def test_page_reads_cleanly_for_every_reader(browser, server, page_path):
    if not AXE.is_file():
        pytest.skip(f"axe-core is missing ({AXE.relative_to(ROOT)}): python scripts/fetch_widget_js.py")
    visit, _, _ = _open(browser, server, page_path)
    try:
        page = visit.page
        set_colour_mode(page, "light")
        problems = scaffolding_shown(page) + wider_than_screen(page, 1280)
        problems += [f"light: {p}" for p in axe_problems(page)]
        set_colour_mode(page, "dark")
        problems += [f"dark: {p}" for p in axe_problems(page, rules=["color-contrast"])]
        problems += untabbable_controls(page)
        problems += wider_than_screen(page, 390)
        assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)
    finally:
        visit.close()


def _views_of(page_path, testid):
    ids = widget_testids()
    return [(m, state) for m, kind, state in saved_widgets(page_path) if ids.get(kind) == testid]


@contextlib.contextmanager
def _widgets_on(browser, server, page_path, testid):
    """Open the page; give [(root element, saved state)] of its ``testid`` widgets.

    When the test's block ends without failing, the page must still be
    clean: no console errors, no failed and no off-site requests.
    """
    visit, views, ids = _open(browser, server, page_path)
    try:
        visit.tag_views()
        yield [(visit.roots(model_id).first, state) for model_id, kind, state in views
               if ids.get(kind) == testid]
        assert visit.errors == [] and visit.failed == [] and visit.off_site() == []
    finally:
        visit.close()


def _pages_with(testid):
    return [p for p in PAGES if _views_of(p, testid)]


def _corr2d(image, kernel):
    from d2lmini import corr2d

    return corr2d(torch.tensor(image, dtype=torch.float64), torch.tensor(kernel, dtype=torch.float64))


def _hover_shows(root, expected):
    """Hover an output cell of the playground ``root`` inside its output, whose size its
    data-output gives (7.2's 3×3 example: 2×2, 1×1 after a 3×3 kernel): the page must write
    that cell's sum of products, equal to ``expected`` there."""
    shown = json.loads(root.get_attribute("data-output"))
    rows, cols = len(shown), len(shown[0])
    i, j = min(3, rows - 1), min(5, cols - 1)
    canvas = root.locator('[data-testid="kernel-output"]')
    cell_px = canvas.bounding_box()["width"] / cols
    canvas.hover(position={"x": cell_px * (j + 0.5), "y": cell_px * (i + 0.5)})
    formula = root.locator('[data-testid="kernel-formula"]').inner_text()
    assert formula.startswith(f"out[{i}, {j}] = Σ ")
    assert abs(float(formula.rsplit("=", 1)[1]) - float(expected[i, j])) < 1e-3
    root.page.mouse.move(0, 0)  # off the picture, as a reader's pointer on its way to the menu


@pytest.mark.parametrize("page_path", _pages_with("kernel-playground"),
                         ids=lambda p: p.relative_to(HTML).as_posix())
def test_kernel_playground_output_equals_corr2d(browser, server, page_path):
    with _widgets_on(browser, server, page_path, "kernel-playground") as views:
        for root, state in views:
            shown = json.loads(root.get_attribute("data-output"))
            expected = _corr2d(state["image"], state["kernel"])
            torch.testing.assert_close(torch.tensor(shown, dtype=torch.float64), expected,
                                       atol=1e-4, rtol=0)
            _hover_shows(root, expected)
            # pick the blur preset: the output must become the 3×3 box blur
            root.locator('[data-testid="kernel-preset"]').select_option("blur")
            shown = json.loads(root.get_attribute("data-output"))
            blurred = _corr2d(state["image"], [[1 / 9] * 3] * 3)
            torch.testing.assert_close(torch.tensor(shown, dtype=torch.float64), blurred,
                                       atol=1e-4, rtol=0)
            h, w = len(state["image"]), len(state["image"][0])
            assert f"output {h - 2}×{w - 2}" in root.locator('[data-testid="kernel-status"]').inner_text()
            # edit one weight: the centre of the blur becomes 1 - a blur plus the identity
            cell = root.locator('[data-testid="kernel-cell-1-1"]')
            cell.fill("1")
            cell.dispatch_event("change")
            shown = json.loads(root.get_attribute("data-output"))
            edited = _corr2d(state["image"], [[1 / 9] * 3, [1 / 9, 1.0, 1 / 9], [1 / 9] * 3])
            torch.testing.assert_close(torch.tensor(shown, dtype=torch.float64), edited,
                                       atol=1e-4, rtol=0)
            _hover_shows(root, edited)


def _torch_shapes(setting):
    """(conv output shape or None, max-pool output shape or None) by running PyTorch."""
    n, k, p, s, d = (setting[key] for key in
                     ("input_size", "kernel_size", "padding", "stride", "dilation"))
    x = torch.zeros(1, 1, *n)
    shapes = []
    for layer in (nn.Conv2d(1, 1, kernel_size=k, padding=p, stride=s, dilation=d),
                  nn.MaxPool2d(kernel_size=k, padding=p, stride=s, dilation=d)):
        try:
            with torch.no_grad():
                shapes.append(list(layer(x).shape[2:]))
        except RuntimeError:
            shapes.append(None)
    return shapes


SETTINGS = [dict(input_size=[n, n + m], kernel_size=[k, max(1, k - 1)], padding=[p, (p + 1) % 3],
                 stride=[s, 1 + (s % 3)], dilation=[d, 1])
            for n in (1, 2, 5, 8, 13)
            for m in (0, 3)
            for k in (1, 2, 3, 5)
            for p in (0, 1, 2)
            for s in (1, 2, 3)
            for d in (1, 2)]  # 720 settings


@pytest.mark.parametrize("page_path", _pages_with("padding-stride-explorer"),
                         ids=lambda p: p.relative_to(HTML).as_posix())
def test_padding_stride_explorer_matches_pytorch(browser, server, page_path):
    with _widgets_on(browser, server, page_path, "padding-stride-explorer") as views:
        root, _ = views[0]

        def set_pair(name, h, w):
            for axis, value in (("h", h), ("w", w)):
                box = root.locator(f'[data-testid="ps-{name}-{axis}"]')
                box.fill(str(value))
                box.dispatch_event("change")

        # the brief's example: input 8, kernel 3, padding 1, stride 2 -> output 4×4
        for name, value in (("input", 8), ("kernel", 3), ("padding", 1), ("stride", 2),
                            ("dilation", 1)):
            set_pair(name, value, value)
        assert root.locator('[data-testid="ps-status"]').inner_text() == "output 4×4"
        assert "nn.Conv2d(1, 1, kernel_size=(3, 3), padding=(1, 1), stride=(2, 2), " \
               "dilation=(1, 1))" in root.locator('[data-testid="ps-code"]').inner_text()
        # step through positions
        root.locator('[data-testid="ps-next"]').click()
        assert "output position (0, 1)" in root.inner_text()
        # stride 3 on 8 + 2 padding, kernel 3: the last padded row is never reached
        set_pair("stride", 3, 3)
        assert root.locator('[data-testid="ps-status"]').inner_text() == "output 3×3"
        assert "row 9; column 9" in root.locator('[data-testid="ps-unreached"]').inner_text()
        # a kernel larger than the padded input: a message, no picture
        set_pair("padding", 0, 0)
        set_pair("kernel", 11, 11)
        message = root.locator('[data-testid="ps-message"]')
        assert message.is_visible() and "larger than the padded input" in message.inner_text()
        assert not root.locator('[data-testid="ps-input"]').is_visible()

        if page_path != _pages_with("padding-stride-explorer")[0]:
            return  # the formula is the same JavaScript on every page: sweep it once
        # many settings, driven through the inputs in one go, against PyTorch
        results = root.evaluate("""(root, settings) => {
          const names = {input_size: 'input', kernel_size: 'kernel', padding: 'padding',
                         stride: 'stride', dilation: 'dilation'};
          const out = [];
          for (const s of settings) {
            for (const [key, name] of Object.entries(names)) {
              ['h', 'w'].forEach((axis, a) => {
                const box = root.querySelector(`[data-testid="ps-${name}-${axis}"]`);
                box.value = String(s[key][a]);
                box.dispatchEvent(new Event('change'));
              });
            }
            out.push({shape: JSON.parse(root.dataset.outputShape),
                      conv: root.dataset.convValid === 'true',
                      pool: root.dataset.poolValid === 'true',
                      status: root.querySelector('[data-testid="ps-status"]').textContent});
          }
          return out;
        }""", SETTINGS)
        mismatches = []
        for setting, got in zip(SETTINGS, results):
            conv, pool = _torch_shapes(setting)
            want_conv = conv is not None
            if (got["conv"] != want_conv or got["pool"] != (pool is not None)
                    or (want_conv and got["shape"] != conv)
                    or (pool is not None and got["shape"] != pool)
                    or (want_conv and got["status"] != f"output {conv[0]}×{conv[1]}")):
                mismatches.append((setting, got, conv, pool))
        assert mismatches == [], f"{len(mismatches)} of {len(SETTINGS)} settings differ"


# ---------------------------------------------------------------- §7.4-§7.6 widgets
# ChannelsView, PoolingExplorer, FeatureMapBrowser, ReceptiveFieldView: after clicks
# and control changes, the numbers the page shows (data-* attributes) equal PyTorch's.

def _t64(x):
    return torch.tensor(x, dtype=torch.float64)


def _close(shown, expected, atol=1e-3):
    shown = _t64(shown)
    assert shown.shape == expected.shape, (shown.shape, expected.shape)
    assert (shown - expected).abs().max().item() <= atol


def _set_number(root, testid, value):
    box = root.locator(f'[data-testid="{testid}"]')
    box.fill(str(value))
    box.dispatch_event("change")


def _click_cell(canvas, i, j, cells_h, cells_w):
    """Click the centre of cell (i, j) of a canvas drawn as a cells_h × cells_w grid."""
    box = canvas.bounding_box()
    canvas.click(position={"x": box["width"] / cells_w * (j + 0.5),
                           "y": box["height"] / cells_h * (i + 0.5)})


@pytest.mark.parametrize("page_path", _pages_with("channels-view"),
                         ids=lambda p: p.relative_to(HTML).as_posix())
def test_channels_view_matches_conv2d(browser, server, page_path):
    from torch.nn import functional as F

    with _widgets_on(browser, server, page_path, "channels-view") as views:
        for root, state in views:
            X, K, K1 = _t64(state["X"]), _t64(state["K"]), _t64(state["kernel_1x1"])
            Y = F.conv2d(X[None], K)[0]
            root.locator('[data-testid="channels-mode"]').select_option("multi_in")
            o = state["out_channel"]
            _close(json.loads(root.get_attribute("data-output")), Y[o])
            # click the last output cell: the status names it and its value
            oh, ow = Y.shape[1:]
            _click_cell(root.locator('[data-testid="channels-output"]'), oh - 1, ow - 1, oh, ow)
            status = root.locator('[data-testid="channels-status"]').inner_text()
            value = status.rsplit("=", 1)[1].strip()
            assert f"Y[{o}, {oh - 1}, {ow - 1}] =" in status
            assert abs(float(value) - Y[o, -1, -1].item()) < 1e-3
            if state["X"] == [[[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]]]:
                assert status.endswith("Y[0, 1, 1] = 120")  # d2l's example
            root.locator('[data-testid="channels-mode"]').select_option("multi_out")
            _close(json.loads(root.get_attribute("data-output")), Y)
            assert f"→ Y {Y.shape[0]}×{oh}×{ow}" in root.locator('[data-testid="channels-status"]').inner_text()
            # 1×1: click pixel (0, 1) of the first input channel
            root.locator('[data-testid="channels-mode"]').select_option("1x1")
            h, w = X.shape[1:]
            _click_cell(root.locator('[data-testid="channels-input-0"]'), 0, 1, h, w)
            _close(json.loads(root.get_attribute("data-pixel-output")), K1 @ X[:, 0, 1])
            _close(json.loads(root.get_attribute("data-output")),
                   F.conv2d(X[None], K1[:, :, None, None])[0])
            assert "1×1 convolution at pixel (0, 1)" in root.locator('[data-testid="channels-status"]').inner_text()


def _pool(X, k, s, p, mode):
    from torch.nn import functional as F

    if mode == "max":
        return F.max_pool2d(X[None, None], k, s, p)[0, 0]
    return F.avg_pool2d(X[None, None], k, s, p, count_include_pad=True)[0, 0]


@pytest.mark.parametrize("page_path", _pages_with("pooling-explorer"),
                         ids=lambda p: p.relative_to(HTML).as_posix())
def test_pooling_explorer_matches_pytorch(browser, server, page_path):
    from torch.nn import functional as F

    with _widgets_on(browser, server, page_path, "pooling-explorer") as views:
        for root, state in views:
            image, edges = _t64(state["image"]), _t64(state["edges"])
            src = image if state["source"] == "image" else edges
            shown = json.loads(root.get_attribute("data-output"))
            _close(shown, _pool(src, state["pool_size"], state["stride"], state["padding"],
                                state["mode"]), atol=1e-9)
            settings = [("image", "avg", 3, 2, 1), ("edges", "max", 2, 1, 0),
                        ("edges", "avg", 4, 3, 2), ("image", "max", 3, 1, 1)]
            for source, mode, k, s, p in settings:
                root.locator('[data-testid="pooling-source"]').select_option(source)
                root.locator('[data-testid="pooling-mode"]').select_option(mode)
                _set_number(root, "pooling-size", k)
                _set_number(root, "pooling-stride", s)
                _set_number(root, "pooling-padding", p)
                expected = _pool(image if source == "image" else edges, k, s, p, mode)
                _close(json.loads(root.get_attribute("data-output")), expected, atol=1e-9)
                status = root.locator('[data-testid="pooling-status"]').inner_text()
                assert f"{k}×{k}, stride {s}, padding {p}" in status
                assert f"→ {expected.shape[0]}×{expected.shape[1]}" in status
            # the shift demo, as §7.5's table: the stripe drawn one pixel to the right,
            # edge strength |X * [1, -1]|, max-pooled; count changed cells with PyTorch
            _set_number(root, "pooling-shift", 1)
            X, Xs = torch.ones(6, 8, dtype=torch.float64), torch.ones(6, 8, dtype=torch.float64)
            X[:, 2:6], Xs[:, 3:7] = 0, 0
            edge = lambda Z: F.conv2d(Z[None, None], _t64([[[[1, -1]]]]))[0, 0].abs()  # noqa: E731
            changed = {"edges": int((edge(X) != edge(Xs)).sum())}
            for s in (1, 2):
                changed[f"s{s}"] = int((_pool(edge(X), 2, s, 0, "max") != _pool(edge(Xs), 2, s, 0, "max")).sum())
            assert json.loads(root.get_attribute("data-shift-changed")) == changed
            shift_status = root.locator('[data-testid="pooling-shift-status"]').inner_text()
            assert f"edge map {changed['edges']} of" in shift_status


def _saved_map(entry, image, channel):
    """De-quantize one map of a FeatureMapBrowser layer from the saved state."""
    import base64

    c, h, w = entry["shape"]
    index = image * entry["channels"] + channel
    raw = torch.frombuffer(bytearray(base64.b64decode(entry["data"])), dtype=torch.uint8)
    lo, hi = entry["ranges"][index]
    return lo + raw[index * h * w:(index + 1) * h * w].reshape(h, w).double() / 255 * (hi - lo)


@pytest.mark.parametrize("page_path", _pages_with("feature-map-browser"),
                         ids=lambda p: p.relative_to(HTML).as_posix())
def test_feature_map_browser_browses_without_a_kernel(browser, server, page_path):
    with _widgets_on(browser, server, page_path, "feature-map-browser") as views:
        for root, state in views:
            layers = state["layers"]
            n = state["inputs"]["shape"][0]
            maps = [i for i, entry in enumerate(layers) if entry["kind"] == "maps"]
            assert maps, "no feature maps saved"
            # the thumbnails: one per image, each with its predicted class as text
            assert root.locator("[data-image]").count() == n
            for idx in maps[:3]:
                entry = layers[idx]
                root.locator('[data-testid="fm-layer"]').select_option(str(idx))
                image = n - 1
                root.locator(f'[data-image="{image}"]').click()
                channel = min(1, entry["channels"] - 1)
                _set_number(root, "fm-channel", channel)
                status = root.locator('[data-testid="fm-status"]').inner_text()
                assert status.startswith(f"layer {entry['name']} (")
                assert f"channel {channel} of {entry['shape'][0]}" in status
                assert f"image {image + 1} of {n}" in status
                expected = _saved_map(entry, image, channel)
                _close(json.loads(root.get_attribute("data-map")), expected, atol=1e-6)
                # ▶ steps to the next channel
                root.locator('[data-testid="fm-next"]').click()
                nxt = (channel + 1) % entry["channels"]
                assert f"channel {nxt} of" in root.locator('[data-testid="fm-status"]').inner_text()
            last = len(layers) - 1
            root.locator('[data-testid="fm-layer"]').select_option(str(last))
            if state["predictions"]:
                image = n - 1
                k = state["predictions"][image]
                label = state["labels"][k] if state["labels"] else str(k)
                assert f"predicted: {label}" in root.locator('[data-testid="fm-status"]').inner_text()
                assert root.get_attribute("data-prediction") == label
            if layers[last]["kind"] == "vector":
                _close(json.loads(root.get_attribute("data-map")),
                       _t64(layers[last]["values"][n - 1]), atol=1e-9)


def _gradient_window(geometry, layer, unit, size):
    """Input rows/cols with a nonzero gradient from ``unit`` of ``layer`` (positive convs)."""
    x = torch.ones(1, 1, *size, dtype=torch.float64, requires_grad=True)
    y = x
    for g in geometry[:layer + 1]:
        conv = nn.Conv2d(1, 1, g["kernel"], g["stride"], g["padding"], bias=False).double()
        nn.init.constant_(conv.weight, 0.5)
        y = conv(y)
    y[0, 0, unit[0], unit[1]].backward()
    rows, cols = torch.nonzero(x.grad[0, 0], as_tuple=True)
    return [[rows.min().item(), rows.max().item()], [cols.min().item(), cols.max().item()]]


@pytest.mark.parametrize("page_path", _pages_with("receptive-field-view"),
                         ids=lambda p: p.relative_to(HTML).as_posix())
def test_receptive_field_view_matches_gradients(browser, server, page_path):
    with _widgets_on(browser, server, page_path, "receptive-field-view") as views:
        for root, state in views:
            geometry, size = state["geometry"], state["input_size"]
            for layer, g in enumerate(geometry):
                root.locator('[data-testid="rf-layer"]').select_option(str(layer))
                oh, ow = g["out"]
                for unit in {(0, 0), (oh - 1, ow - 1), (oh // 2, ow // 3)}:
                    _set_number(root, "rf-row", unit[0])
                    _set_number(root, "rf-col", unit[1])
                    shown = json.loads(root.get_attribute("data-window"))
                    assert shown == _gradient_window(geometry, layer, unit, size), (layer, unit)
                    status = root.locator('[data-testid="rf-status"]').inner_text()
                    assert f"unit ({unit[0]}, {unit[1]}) sees input rows {shown[0][0]}..{shown[0][1]}" in status
                # clicking a unit on the output grid selects it
                _click_cell(root.locator('[data-testid="rf-output"]'), 0, ow - 1, oh, ow)
                assert f"unit (0, {ow - 1})" in root.locator('[data-testid="rf-status"]').inner_text()
            table = root.locator('[data-testid="rf-table"]').inner_text()
            for g in geometry:
                assert g["name"] in table
