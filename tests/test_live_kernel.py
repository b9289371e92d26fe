"""The widgets with a live kernel: JupyterLab in Chromium, page and kernel in step.

tests/test_browser.py checks the static book, where no kernel answers. This
file starts JupyterLab (the ``jupyterlab`` package from PyPI; its pages,
ipywidgets' manager and anywidget's extension are served by the server
itself) on 127.0.0.1 with a fresh Jupyter config/data/runtime directory and
IPYTHONDIR, writes a notebook with one cell per widget of
``d2lmini.widgets.__all__`` (made with ``_example()``, bound to ``w0``,
``w1``, ...), opens it in headless Chromium and runs all cells. A second
client on the same kernel (its connection file, from ``/api/sessions``)
reads and sets the widgets' traits. For each widget:

* every number box in turn: type a new value and press Enter (no Tab, no
  blur): the kernel's state must change, the drawing too, and the box keeps
  the focus;
* the first select (a new option) or, when there is none, each button in
  turn until one changes the kernel's state: the drawing changes; a select
  must reach the kernel (a button may act on the view alone, e.g. stepping
  an animation, and is then clicked again to leave a toggle as it was);
* after each change that reached the kernel, from Python: assigning the state
  from before brings back the drawing from before, assigning the changed
  state brings back the drawing the page made (so the kernel holds what the
  page shows, and the page follows Python; number boxes included).

The controls and traits are found from the page and the kernel, not named
here: a new widget in ``__all__`` needs no new test code. Nothing may log a
console error or fail a request, no request may leave 127.0.0.1 (the server
and the kernel also run the network guard of tests/network_guard.py), no
cell may fail and the server and kernel may log no traceback.

About a minute; scripts/test.sh runs it after the static browser test.
Needs Chromium (``apt-get install chromium``); a failure saves a screenshot
to ``_build/screenshots/live-kernel-*.png``.
"""
import contextlib
import json
import os
import pathlib
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import pytest

from doubles import load_script
from pagewatch import chromium, chromium_path, off_site, watch

ROOT = pathlib.Path(__file__).resolve().parent.parent
nbtemplate = load_script(ROOT / "scripts" / "nbtemplate.py")
GUARD = pathlib.Path(__file__).resolve().parent / "network_guard.py"
SHOTS = ROOT / "_build" / "screenshots"
NOTEBOOK = "live.ipynb"
TRAINING_NOTEBOOK = "train.ipynb"
# A training cell as a student runs it, on a tiny subset of the real Fashion-MNIST.
TRAINING_CELLS = [
    "import torch\nimport d2lmini as d2l",
    "torch.manual_seed(0)\n"
    "data = d2l.FashionMNIST(batch_size=64, n_train=256, n_val=128)\n"
    "model = d2l.LeNet(lr=0.1)\n"
    "model.apply_init([next(iter(data.get_dataloader(True)))[0]], d2l.init_cnn)\n"
    "history = d2l.Trainer(max_epochs=2).fit(model, data)",
    "print(f'trained {len(history)} epochs')",
]


def _widget_classes():
    import d2lmini.widgets as widgets

    return [(name, getattr(widgets, name)) for name in widgets.__all__]


WIDGETS = _widget_classes()

pytestmark = [
    pytest.mark.live_kernel,
    pytest.mark.skipif(chromium_path() is None,
                       reason="Chromium is missing: apt-get install chromium"),
]

# The server runs under the network guard too (an update check or a news feed
# would fail loudly in its log instead of leaving the machine).
SERVER_BOOT = """
import sys, importlib.util
spec = importlib.util.spec_from_file_location("network_guard", sys.argv.pop(1))
guard = importlib.util.module_from_spec(spec)
spec.loader.exec_module(guard)
guard.install()
from jupyterlab.labapp import main
sys.exit(main())
"""

# Every kernel the server starts runs this first (IPYTHONDIR/profile_default/startup).
KERNEL_STARTUP = """
def _install_network_guard():
    import importlib.util
    spec = importlib.util.spec_from_file_location("network_guard", {guard!r})
    guard = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(guard)
    guard.install()


_install_network_guard()
del _install_network_guard
"""

# Defined in the kernel through the side channel (not in the notebook). The state
# compared is every trait a widget declares settable or derived (CourseWidget._rules).
KERNEL_HELPERS = """
import json as _live_json


def _live_state(w):
    print(_live_json.dumps(w.get_state(list(type(w)._rules)), sort_keys=True))


def _live_assign(w, state):
    # Plain assignments of what differs, in declaration order (a trait before those
    # that follow it); a derived trait is recomputed by the widget.
    for name, rule in type(w)._rules.items():
        if "check" in rule and w.get_state([name])[name] != state[name]:
            setattr(w, name, state[name])
"""

# What a widget shows: the root's data-* attributes, every status line, the
# values of its controls and a hash of every canvas's pixels.
SNAPSHOT_JS = """(root) => {
  const hash = (text) => {
    let h = 2166136261;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
    return (h >>> 0).toString(16);
  };
  const data = { ...root.dataset };
  delete data.testid;
  return {
    data,
    status: [...root.querySelectorAll('.d2l-status')].map((e) => e.textContent),
    controls: [...root.querySelectorAll('input, select')].map((e) => e.value),
    canvases: [...root.querySelectorAll('canvas')].map(
      (c) => `${c.width}x${c.height}:${hash(c.toDataURL())}`),
  };
}"""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout, what, interval=0.2):
    """Poll ``predicate`` until it returns a true value (returned) or fail after ``timeout`` s.

    ``what`` (a string, or a function that makes one at the time of failure) says what was awaited.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for "
                                 f"{what() if callable(what) else what}")
        time.sleep(interval)


def _notebook(sources):
    """A notebook of code cells with the metadata scripts/execute.py saves the chapters with."""
    import nbformat
    from ipykernel.ipkernel import IPythonKernel

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = nbtemplate.kernelspec()
    nb.metadata["language_info"] = IPythonKernel.language_info   # what nbclient writes
    return nb


def _widget_cells():
    return ["import d2lmini.widgets as widgets"] + [
        f"w{i} = widgets.{name}._example()\nw{i}" for i, (name, _) in enumerate(WIDGETS)]


class Lab:
    """A JupyterLab server on 127.0.0.1 in its own Jupyter directories."""

    def __init__(self, base):
        import nbformat

        self.base = base
        self.token = secrets.token_hex(16)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        dirs = {name: base / name for name in ("root", "config", "data", "runtime", "ipython")}
        for d in dirs.values():
            d.mkdir()
        self.runtime = dirs["runtime"]
        nbformat.write(_notebook(_widget_cells()), dirs["root"] / NOTEBOOK)
        nbformat.write(_notebook(TRAINING_CELLS), dirs["root"] / TRAINING_NOTEBOOK)
        startup = dirs["ipython"] / "profile_default" / "startup"
        startup.mkdir(parents=True)
        (startup / "00-no-network.py").write_text(KERNEL_STARTUP.format(guard=str(GUARD)))
        (dirs["config"] / "jupyter_server_config.json").write_text(json.dumps({
            "ServerApp": {"ip": "127.0.0.1", "port": self.port, "port_retries": 0,
                          "open_browser": False, "root_dir": str(dirs["root"]),
                          "terminals_enabled": False, "allow_root": True},
            "IdentityProvider": {"token": self.token},
            # no news feed, no update check, no extension search on PyPI
            "LabApp": {"news_url": None, "extension_manager": "readonly",
                       "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"},
            "LanguageServerManager": {"autodetect": False},
        }))
        # No news, no update check, no toast asking about them.
        settings = dirs["config"] / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True)
        (settings / "notification.jupyterlab-settings").write_text(json.dumps(
            {"fetchNews": "false", "checkForUpdates": False}))
        # As a student's kernel: training progress shown (test.sh turns it off for the rest).
        env = dict({k: v for k, v in os.environ.items() if k != "D2LMINI_PROGRESS"},
                   JUPYTER_CONFIG_DIR=str(dirs["config"]), JUPYTER_DATA_DIR=str(dirs["data"]),
                   JUPYTER_RUNTIME_DIR=str(dirs["runtime"]), IPYTHONDIR=str(dirs["ipython"]),
                   JUPYTERLAB_SETTINGS_DIR=str(dirs["config"] / "lab" / "user-settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(dirs["config"] / "lab" / "workspaces"),
                   PYTHONUNBUFFERED="1")
        self.log_path = base / "server.log"
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([sys.executable, "-c", SERVER_BOOT, str(GUARD)],
                                     cwd=dirs["root"], env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.kernel_pids = []
        try:
            _wait(self._ready, 90, "JupyterLab to answer on " + self.url, interval=0.5)
        except BaseException:
            self.stop()
            raise

    def log_text(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def _ready(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"JupyterLab exited with {self.proc.returncode}:\n"
                                 f"{self.log_text()[-3000:]}")
        try:
            self.api("status")
            return True
        except OSError:
            return False

    def api(self, path, method="GET"):
        request = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def stop(self):
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                for kernel in self.api("kernels"):
                    self.api(f"kernels/{kernel['id']}", method="DELETE")
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for pid in self.kernel_pids:  # kernels run in their own session: end them by id
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.log.close()


class Kernel:
    """A second client on the notebook's kernel: reads and sets the widgets' traits."""

    def __init__(self, connection_file):
        from jupyter_client import BlockingKernelClient

        self.client = BlockingKernelClient(connection_file=str(connection_file))
        self.client.load_connection_file()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def run(self, code, timeout=30):
        """Execute ``code``; returns what it printed, raises with the traceback on error."""
        out, errors = [], []

        def hook(msg):
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                errors.append("\n".join(msg["content"]["traceback"]))

        reply = self.client.execute_interactive(code, store_history=False, allow_stdin=False,
                                                timeout=timeout, output_hook=hook)
        if reply["content"]["status"] != "ok" or errors:
            raise AssertionError(f"the kernel failed on {code!r}:\n" + "\n".join(errors))
        return "".join(out)

    def state(self, i):
        return json.loads(self.run(f"_live_state(w{i})"))

    def assign(self, i, state):
        self.run(f"_live_assign(w{i}, _live_json.loads({json.dumps(state)!r}))")

    def close(self):
        self.client.stop_channels()


class Page:
    """The notebook open in JupyterLab, with everything it requested and logged."""

    def __init__(self, browser, lab, notebook=NOTEBOOK):
        self.context = browser.new_context(viewport={"width": 1280, "height": 1000})
        self.context.set_default_timeout(30_000)
        self.page = self.context.new_page()
        self.requests, self.failed, self.errors = watch(self.page)
        # ?reset: only this notebook, not the tabs an earlier page left in the workspace
        self.page.goto(f"{lab.url}/lab/tree/{notebook}?reset&token={lab.token}",
                       wait_until="load")

    def off_site(self):
        return off_site(self.requests)

    def wait_idle(self):
        """Until the notebook shows and its kernel is connected and idle."""
        self.page.locator(".jp-Notebook .jp-Cell").first.wait_for(state="visible", timeout=60_000)
        # the status bar says "Python 3 (ipykernel) | Idle"
        idle = self.page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle$"))
        idle.first.wait_for(timeout=60_000)

    def menu(self, menu, item):
        self.page.get_by_role("menuitem", name=menu, exact=True).click()
        self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{item}$")).click()

    def run_all(self):
        self.wait_idle()
        self.menu("Run", "Run All Cells")

    def failed_cell(self):
        """The text of the first cell output that is an error or went to stderr, or None."""
        errors = self.page.locator(
            '.jp-Notebook [data-mime-type="application/vnd.jupyter.stderr"], '
            '.jp-Notebook .jp-OutputArea-output[data-mime-type*="error"]')
        return errors.first.inner_text() if errors.count() else None

    def all_drawn(self):
        """Whether every widget is drawn; fails on a cell's error (or any stderr)."""
        failed = self.failed_cell()
        if failed is not None:
            raise AssertionError(f"a cell of the notebook failed or wrote to stderr:\n{failed}")
        return all(self.root(cls).count() for _, cls in WIDGETS)

    def root(self, cls):
        return self.page.locator(f'.jp-Notebook .d2l-widget[data-testid="{cls.testid}"]')

    def screenshot(self, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"live-kernel-{name}.png"), full_page=True)

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def lab():
    """JupyterLab serving the widget notebook and the training notebook."""
    with tempfile.TemporaryDirectory(prefix="d2l-lab-") as base:
        lab = Lab(pathlib.Path(base))
        try:
            yield lab
        finally:
            lab.stop()


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def live(lab, browser):
    """(lab, page, kernel): the widget notebook run in JupyterLab, every widget drawn once."""
    with contextlib.ExitStack() as stack:
        page = Page(browser, lab)
        stack.callback(page.close)
        try:
            page.run_all()
            # importing torch and making the widgets takes a while; a cell's error ends the wait
            _wait(page.all_drawn, 180, "every widget to be drawn", interval=0.5)
        except BaseException:
            page.screenshot("start")
            print(lab.log_text()[-5000:])
            raise
        sessions = [s for s in lab.api("sessions") if s["path"].endswith(NOTEBOOK)]
        assert len(sessions) == 1, sessions
        kernel = Kernel(lab.runtime / f"kernel-{sessions[0]['kernel']['id']}.json")
        stack.callback(kernel.close)
        lab.kernel_pids.append(int(kernel.run("import os; print(os.getpid())")))
        print("kernel runs", kernel.run("import d2lmini; print(d2lmini.__file__)"))
        kernel.run(KERNEL_HELPERS)
        yield lab, page, kernel


class Widget:
    """One widget of the notebook: its root on the page and its model in the kernel."""

    def __init__(self, live, i, cls):
        self.lab, self.page, self.kernel = live
        self.i, self.cls = i, cls
        locator = self.page.root(cls)
        assert locator.count() == 1, f"{cls.__name__} is drawn {locator.count()} times"
        self.root = locator.first

    def shows(self):
        return self.root.evaluate(SNAPSHOT_JS)

    def state(self):
        return self.kernel.state(self.i)

    def settled(self, timeout=10):
        """The drawing once it has stopped changing (echoes from the kernel redraw it)."""
        last = [None]

        def same():
            now = self.shows()
            stable, last[0] = now == last[0], now
            return stable and now
        return _wait(same, timeout, f"{self.cls.__name__}'s drawing to settle", interval=0.3)

    def kernel_changes(self, before, what, timeout=15):
        """Wait until the kernel's state differs from ``before``; the changed trait names."""
        state = _wait(lambda: (s := self.state()) != before and s, timeout,
                      f"{what} to change {self.cls.__name__}'s state in the kernel "
                      f"(it stayed {_short(before)})")
        return state, sorted(k for k in state if state[k] != before.get(k))

    def round_trip(self, steps, what):
        """Assign each (state, drawing, label) of ``steps`` in Python: the drawing follows."""
        for state, shown, label in steps:
            self.kernel.assign(self.i, state)
            assert self.state() == state, f"assigning the state from {label} {what} in Python"
            _wait(lambda: self.shows() == shown, 10,
                  lambda: f"{self.cls.__name__} to draw again what it showed {label} {what} once "
                          f"Python assigned that state (shows {_short(self.shows())}, "
                          f"expected {_short(shown)})")


def _short(value, limit=80):
    """A readable excerpt of a state or drawing: each entry cut at ``limit`` characters."""
    def cut(v):
        text = json.dumps(v, sort_keys=True)
        return text if len(text) <= limit else text[:limit] + "..."
    return "{" + ", ".join(f"{k}: {cut(v)}" for k, v in sorted(value.items())) + "}"


def _new_number(box):
    """A value for a number box: one more than it holds, or one less at its max."""
    now = float(box.input_value())
    top, bottom = box.get_attribute("max"), box.get_attribute("min")
    new = now + 1 if top is None or now + 1 <= float(top) else now - 1
    assert bottom is None or new >= float(bottom), f"no new value for a box at {now}"
    return str(int(new)) if new == int(new) else str(new)


def _visible(locator):
    return [locator.nth(k) for k in range(locator.count())
            if locator.nth(k).is_visible() and locator.nth(k).is_enabled()]


@pytest.mark.parametrize("i, name, cls", [(i, n, c) for i, (n, c) in enumerate(WIDGETS)],
                         ids=[n for n, _ in WIDGETS])
def test_page_kernel_and_python_agree(live, i, name, cls):
    lab, page, kernel = live
    errors, log_start = len(page.errors), len(lab.log_text())
    w = Widget(live, i, cls)
    try:
        reached = _check_number_boxes(w) + _check_click(w)
    except BaseException:
        page.screenshot(name)
        raise
    assert reached, f"no number box, select or button of {name} changes its state in the kernel"
    assert page.errors[errors:] == [], f"console errors while driving {name}"
    assert "Traceback" not in lab.log_text()[log_start:], \
        f"the kernel or server logged a traceback while driving {name}:\n" \
        f"{lab.log_text()[log_start:][-3000:]}"


def _check_number_boxes(w):
    """Each number box: type a new value, press Enter; kernel and drawing follow. How many."""
    boxes = w.root.locator("input[type=number]")
    count, checked = boxes.count(), 0
    for k in range(count):  # e.g. none in ChannelsView: selects and clickable cells only
        if boxes.nth(k).is_visible() and boxes.nth(k).is_enabled():
            _check_enter(w, boxes.nth(k))
            checked += 1
    assert boxes.count() == count, "the number boxes changed (each check restores the state)"
    return checked


def _check_enter(w, box):
    what = f'Enter in the number box {box.get_attribute("data-testid")!r}'
    before, shown_before = w.state(), w.settled()
    value = _new_number(box)
    box.click()
    w.page.page.keyboard.press("ControlOrMeta+a")
    w.page.page.keyboard.type(value)
    assert box.input_value() == value, f"typing {value} for {what} gave {box.input_value()!r}"
    w.page.page.keyboard.press("Enter")  # no Tab, no blur: Enter alone must commit
    after, changed = w.kernel_changes(before, what)
    print(f"{w.cls.__name__}: {what} ({value}) changed {changed}")
    shown_after = w.settled()
    assert shown_after != shown_before, f"{what} changed {changed} in the kernel, not the page"
    assert box.evaluate("b => b === document.activeElement"), f"{what} moved the focus away"
    # back and forth from Python, and back to the start for the next box
    w.round_trip([(before, shown_before, "before"), (after, shown_after, "after"),
                  (before, shown_before, "before")], what)


def _check_click(w):
    """Change the first select, else click buttons: the drawing (and the kernel) follow.

    Returns 1 when one of them changed the kernel's state, else 0.
    """
    selects = _visible(w.root.locator("select"))
    buttons = _visible(w.root.locator("button"))
    for control in selects[:1] + buttons:
        testid = control.get_attribute("data-testid")
        before, shown_before = w.state(), w.settled()
        is_select = control.evaluate("e => e.tagName") == "SELECT"
        if is_select:
            options = control.evaluate("s => [...s.options].filter((o) => !o.disabled)"
                                       ".map((o) => o.value)")
            new = [v for v in options if v != control.input_value()]
            assert new, f"the select {testid!r} has a single option"
            what = f"choosing {new[0]!r} in the select {testid!r}"
            control.select_option(new[0])
            after, changed = w.kernel_changes(before, what)
        else:
            what = f"clicking the button {testid!r}"
            control.click()
            _wait(lambda: w.shows() != shown_before, 10, f"{what} to change the drawing")
            # the kernel answers in ms; a button for the view never changes its state
            deadline = time.monotonic() + 2
            while (after := w.state()) == before and time.monotonic() < deadline:
                time.sleep(0.2)
            changed = sorted(k for k in after if after[k] != before.get(k))
        print(f"{w.cls.__name__}: {what} changed {changed} in the kernel")
        if after != before:
            shown_after = w.settled()
            assert shown_after != shown_before, \
                f"{what} changed {changed} in the kernel, not the page"
            w.round_trip([(before, shown_before, "before"), (after, shown_after, "after")], what)
            return 1
        control.click()  # a second click leaves a toggle (▶ play / ⏸ pause) as it was
    return 0  # no select, buttons for the view alone (PaddingStrideExplorer's ‹ ▶ ›), or none


def test_page_stayed_on_127_0_0_1_with_no_errors(live):
    """Runs last: the whole session, start-up included."""
    lab, page, kernel = live
    assert kernel.run("import socket\ntry:\n    socket.getaddrinfo('example.com', 80)\n"
                      "except Exception as e:\n    print(type(e).__name__)") == "NetworkBlocked\n"
    assert page.off_site() == [], "requests off 127.0.0.1"
    for extension in ("@jupyter-widgets/jupyterlab-manager", "anywidget"):  # served locally
        assert any(f"/lab/extensions/{extension}/" in url for url in page.requests), extension
    assert page.failed == [], "failed requests"
    assert page.errors == [], "console errors"
    log = lab.log_text()
    for bad in ("NetworkBlocked", "Traceback"):
        assert bad not in log, f"the server or kernel log shows {bad}:\n{log[-3000:]}"


# The training log (device, one line per epoch, the progress line) and its parts.
METRIC_LINE = re.compile(r"epoch 2/2: train_acc \d\.\d{3}, train_loss \d\.\d{3}, val_acc")
PROGRESS_LINE = re.compile(r"done: 2 epochs of 4 batches in \d+(\.\d)? s")


def test_training_output_survives_save_and_reload(lab, browser):
    """Run All, save, reload, as a student does: the log is still there, no widget error.

    A progress bar made of ipywidgets (tqdm's notebook bars) leaves, after a
    reload, "Error displaying widget: model not found" and a console error for
    each epoch, or a bar stuck at 0% where no widget state was saved.
    """
    page = Page(browser, lab, TRAINING_NOTEBOOK)
    try:
        page.wait_idle()
        time.sleep(1)
        # saved with ipykernel's kernelspec, as scripts/execute.py saves the chapters
        assert page.page.locator(".lm-TabBar-tab.jp-mod-dirty",
                                 has_text=TRAINING_NOTEBOOK).count() == 0, \
            "opening the notebook marked it changed"
        page.run_all()
        _wait(lambda: _cell_failed(page) or "trained 2 epochs" in _notebook_text(page), 180,
              "the training cell and the one after it to finish", interval=0.5)
        _check_training_log(page, "after Run All")
        page.menu("File", "Save Notebook")
        _wait(lambda: "epoch 2/2:" in json.dumps(lab.api(f"contents/{TRAINING_NOTEBOOK}")),
              30, "the notebook to be saved with its outputs")
        saved = lab.api(f"contents/{TRAINING_NOTEBOOK}")["content"]
        outputs = [o for cell in saved["cells"] for o in cell.get("outputs", [])]
        assert not [o for o in outputs if "application/vnd.jupyter.widget-view+json"
                    in o.get("data", {})], "the saved training output holds widget views"
        errors_before = len(page.errors)
        page.page.reload(wait_until="load")
        page.wait_idle()
        # widget views look their models up once the kernel is connected; give them time to fail
        _wait(lambda: METRIC_LINE.search(_notebook_text(page)), 30, "the reloaded log")
        time.sleep(3)
        _check_training_log(page, "after save and reload")
        assert page.errors[errors_before:] == [], "console errors after the reload"
        # the reload aborts the requests JupyterLab had in flight; no other may fail
        assert [f for f in page.failed if "net::ERR_ABORTED" not in f] == [], "failed requests"
        assert page.off_site() == [], "requests off 127.0.0.1"
        page.screenshot("training")   # what a student sees after the reload
    except BaseException:
        page.screenshot("training")
        raise
    finally:
        page.close()


def _notebook_text(page):
    """The text of the notebook the student sees.

    After a reload, JupyterLab can restore the workspace's tab and open the URL's
    notebook as a second, hidden panel of the same file (same outputs): read the
    one on screen, as a student does.
    """
    shown = page.page.locator(".jp-Notebook:visible")
    _wait(lambda: shown.count() == 1, 30, "exactly one notebook on screen")
    return shown.inner_text()


def _cell_failed(page):
    failed = page.failed_cell()
    if failed is not None:
        raise AssertionError(f"a cell of the training notebook failed or wrote to stderr:\n{failed}")


def _check_training_log(page, when):
    text = _notebook_text(page)
    assert "Error displaying widget" not in text, f"{when}: {text}"
    assert "training on cpu" in text, f"{when}: no device line in {text!r}"
    assert METRIC_LINE.search(text), f"{when}: no metric line for epoch 2 in {text!r}"
    assert PROGRESS_LINE.search(text), f"{when}: no final progress line in {text!r}"
    # the curve is drawn once, below the last line of the log
    log = page.page.locator(".jp-OutputArea-output", has_text="epoch 2/2:")
    curve = page.page.locator('.jp-OutputArea-output img')
    assert log.count() == 1 and curve.count() == 1, f"{when}: {log.count()} logs, {curve.count()} curves"
    assert log.bounding_box()["y"] < curve.bounding_box()["y"], f"{when}: the curve is above the log"
