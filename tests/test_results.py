"""Generated pages (results, benchmarks) match their data; prose quotes the recorded runs."""
import importlib.util
import json
import pathlib
import re

import nbformat
from torch import nn

import d2lmini as d2l

ROOT = pathlib.Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("make_results", ROOT / "scripts" / "make_results.py")
make_results = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_results)


def test_results_page_is_up_to_date_with_the_recorded_runs():
    assert make_results.PAGE.read_text() == make_results.render(make_results.load_runs()), \
        "run scripts/make_results.py"


def test_every_recorded_run_has_the_table_fields():
    runs = make_results.load_runs()
    for run in runs:
        assert 0 <= run["val_acc"] <= 1 and run["params"] > 0 and run["budget"] in ("quick", "full")
        make_results.row(run)


class Tiny(d2l.Classifier):
    def __init__(self, lr=0.1):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(nn.Flatten(), nn.LazyLinear(10))


def test_record_run_writes_only_when_asked(tmp_path, monkeypatch):
    data = d2l.FashionMNIST(batch_size=256, n_train=512, n_val=256)
    model = Tiny()
    trainer = d2l.Trainer(max_epochs=1, num_gpus=0, callbacks=[])
    trainer.fit(model, data)
    monkeypatch.delenv("D2LMINI_RECORD_DIR", raising=False)
    assert d2l.record_run("7.6", "Tiny", model, trainer, data) is None
    monkeypatch.setenv("D2LMINI_RECORD_DIR", str(tmp_path))
    d2l.record_run("7.6", "Tiny", model, trainer, data, notes="a test")
    (path,) = tmp_path.glob("*.json")
    run = json.loads(path.read_text())
    assert run["train_images"] == 512 and run["val_images"] == 256 and run["epochs"] == 1
    assert run["params"] == 28 * 28 * 10 + 10
    assert run["val_acc"] == round(trainer.history.val_acc[-1], 4)
    assert "| 7.6 | Tiny | " in make_results.render([run])


def test_accuracies_quoted_in_the_prose_are_the_recorded_ones():
    # "... (0.56 in the run saved on this page)": the page's own training run,
    # recorded by scripts/execute.py. Re-executing a notebook can change the
    # number; then this test names the sentence to update.
    quoted = re.compile(r"(\d\.\d+) in the run\s+saved on this page")
    runs = make_results.load_runs()
    checked = 0
    for path in sorted((ROOT / "chapters").glob("ch*/*.ipynb")):
        section = ".".join(path.stem.split("_")[:2])  # 8_4_googlenet -> 8.4
        text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                         if c.cell_type == "markdown")
        for number in quoted.findall(text):
            recorded = [run["val_acc"] for run in runs if run["section"] == section]
            assert recorded, f"{path.name} quotes {number} but no run of {section} is recorded"
            assert any(round(acc, len(number) - 2) == float(number) for acc in recorded), (
                f"{path.name} says {number} in the run saved on the page, but the recorded "
                f"validation accuracy is {recorded}")
            checked += 1
    assert checked >= 2  # 8.4 and 8.6 quote their runs


def test_benchmarks_page_is_generated_from_its_result_file():
    # chapters/benchmarks.md names the bench/results/*.json it was made from;
    # regenerating it from that file must give the page as committed.
    spec = importlib.util.spec_from_file_location("report", ROOT / "bench" / "report.py")
    report = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report)
    page = (ROOT / "chapters" / "benchmarks.md").read_text()
    source = re.search(r"\(`(bench/results/[^/`]+\.json)`\)", page).group(1)
    result = json.loads((ROOT / source).read_text())
    gpu_source = re.search(r"\(`(bench/results/gpu/[^`]+\.json)`\)", page)
    gpu_source = gpu_source and gpu_source.group(1)
    gpu = gpu_source and json.loads((ROOT / gpu_source).read_text())
    assert page == report.markdown(result, source, gpu, gpu_source), \
        f"run python bench/report.py {source} {gpu_source or ''}"
