"""Generated pages (results, benchmarks) match their data; prose quotes the recorded runs;
the full budget's runs are d2l 1.0.3's settings, as the registry says."""
import json
import os
import pathlib
import random
import re
import subprocess
import sys

import nbformat
import pytest
from doubles import load_script
from torch import nn

import d2lmini as d2l
from d2lmini import book
from d2lmini.models import BOOK

ROOT = pathlib.Path(__file__).resolve().parent.parent
make_results = load_script(ROOT / "scripts" / "make_results.py")
report = load_script(ROOT / "bench" / "report.py")
bench_common = load_script(ROOT / "bench" / "common.py")


def test_results_page_is_up_to_date_with_the_recorded_runs():
    for path, text in make_results.generated().items():
        assert path.read_text() == text, f"{path.name} is out of date: run scripts/make_results.py"


def test_every_recorded_run_has_the_table_fields():
    runs = book.runs()
    machines = {run["machine"]: "A" for run in runs}
    for run in runs:
        assert 0 <= run["val_acc"] <= 1 and run["params"] > 0 and run["budget"] in ("quick", "full")
        make_results.run_row(run, machines)


def test_every_recorded_run_is_a_model_of_the_registry():
    registered = {(model.section, model.name) for model in BOOK}
    for run in book.runs():
        assert (run["section"], run["model"]) in registered, (
            f"{run['section']} {run['model']} is recorded but not in d2lmini.models.BOOK")


def test_full_budget_runs_train_with_d2l_1_0_3s_settings():
    # "What your full-budget run should reach" quotes these runs next to d2l's numbers, so
    # they must be d2l 1.0.3's recipe, which BOOK records with a link to d2l's code.
    for run in (r for r in book.runs() if r["budget"] == "full"):
        (model,) = [m for m in BOOK if (m.section, m.name) == (run["section"], run["model"])]
        d2l_run = model.release("1.0.3")
        assert run["optimizer"] == f"SGD lr {d2l_run.lr:g}", run
        assert (run["batch_size"], run["epochs"], run["train_images"]) == (
            d2l_run.batch_size, model.epochs, 60_000), run
        assert run["resolution"] == [model.size, model.size], run


def test_results_page_names_d2ls_settings_where_they_differ_from_the_full_budget():
    page = make_results.render(book.runs())
    for model in BOOK:
        full = model.release("1.0.3")
        (row,) = [line for line in page.splitlines() if line.startswith(
            f"| {model.section} | {model.name} | {model.size} px")]
        for published in model.published:
            said = re.search(rf"\[≈?([\d.]+)\]\({re.escape(published.url)}\)( at [^|]*)?", row)
            assert said and float(said.group(1)) == published.accuracy, (model.name, row)
            differs = said.group(2) or ""
            assert ("lr" in differs) == (published.lr != full.lr), (model.name, row)
            assert ("batch" in differs) == (published.batch_size != full.batch_size), row


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
    runs = book.runs()
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


BENCHMARKS_PAGE = pathlib.Path(report.PAGE)   # the page bench/report.py writes


def benchmarks_source(page):
    """The bench/results/*.json that chapters/benchmarks.md names as its source."""
    return re.search(r"\(`(bench/results/[^/`]+\.json)`\)", page).group(1)


def test_benchmarks_page_is_generated_from_its_result_file():
    # chapters/benchmarks.md names the bench/results/*.json it was made from;
    # regenerating it from that file must give the page as committed.
    page = BENCHMARKS_PAGE.read_text()
    source = benchmarks_source(page)
    result = json.loads((ROOT / source).read_text())
    gpu_source = re.search(r"\(`(bench/results/gpu/[^`]+\.json)`\)", page)
    gpu_source = gpu_source and gpu_source.group(1)
    gpu = gpu_source and json.loads((ROOT / gpu_source).read_text())
    older = report.add_older_parts(result, str(ROOT / source))   # what main() adds, too
    assert page == report.markdown(result, source, gpu, gpu_source, older), \
        f"run python bench/report.py {source} {gpu_source or ''}"


def test_the_report_takes_the_newest_result_by_the_date_in_its_name_not_its_mtime(tmp_path):
    for age, day in enumerate(["2026-12-03", "2026-11-22", "2026-12-02"]):
        path = tmp_path / f"machine-{day}.json"
        path.write_text("{}")
        os.utime(path, (1e9 + age, 1e9 + age))   # the oldest file touched last, as a clone may
    assert [pathlib.Path(f).stem[-10:] for f in report.by_date(str(tmp_path))] == [
        "2026-11-22", "2026-12-02", "2026-12-03"]


def test_a_report_that_fails_leaves_the_old_page_as_it_was(tmp_path, monkeypatch):
    page = tmp_path / "benchmarks.md"
    page.write_text("the old page\n")
    broken = tmp_path / "machine-2026-12-03.json"   # a first-fit part without its medians
    broken.write_text(json.dumps({"machine": {}, "parts": {"firstfit": {"median": {}}}}))
    monkeypatch.setattr(report, "PAGE", str(page))
    with pytest.raises(KeyError):
        report.main([str(broken), str(ROOT / "bench" / "results" / "gpu" /
                                      "nvidia-h200-2026-11-30.json")])
    assert page.read_text() == "the old page\n"
    assert sorted(os.listdir(tmp_path)) == sorted(["benchmarks.md", broken.name])   # no leftovers


def test_a_target_passes_only_where_the_95_percent_interval_of_its_median_is_under_its_limit():
    verdict = report.verdict
    target = {"value": 0.82, "limit": 1.0, "pass": True}
    assert verdict(target) == "PASS"   # a target measured once has no interval
    assert verdict(dict(target, ci95=[0.6, 0.95])) == "PASS"
    assert verdict({**target, "value": 1.1, "pass": False, "ci95": [1.02, 1.3]}) == "FAIL"
    unclear = verdict(dict(target, ci95=[0.6043, 1.3352]))
    assert unclear.startswith("UNCLEAR") and "0.604×–1.335×" in unclear
    # three digits: a narrow interval across the limit must not print as "1.00×–1.01×"
    assert "0.995×–1.014×" in verdict(dict(target, ci95=[0.9951, 1.0144]))
    assert verdict(dict(target, ci95=None)).startswith("UNCLEAR")


def test_a_first_fit_run_too_short_for_an_interval_says_so_in_its_headline():
    few = {"median": {"first": {"ratio": 1.1, "extra_s": 0.5, "vs_goal": 1.02},
                      "warm": {"ratio": 1.08}},
           "targets": [{"value": 1.02, "limit": 1.0, "pass": False, "ci95": None}]}
    line = report.headline({"parts": {"firstfit": few}}, markdown=True)
    assert "too few samples" in line and "nan" not in line, line
    measured = report.headline({"parts": {"firstfit": {
        **few, "targets": [dict(few["targets"][0], ci95=[0.9261, 1.0612])]}}}, markdown=True)
    # three digits, as the verdict: "1.00× its goal (1.00×–1.01×)" would hide that it straddles 1
    assert "1.020× its goal (95% interval 0.926×–1.061×)" in measured, measured


def test_the_first_fit_section_says_how_much_room_the_goal_leaves_at_the_median_loop():
    source = benchmarks_source(BENCHMARKS_PAGE.read_text())
    ff = json.loads((ROOT / source).read_text())["parts"]["firstfit"]
    ff["median"]["first"].update(loop_s=10.0, extra_s=0.3)   # 1.05 x 10 s + 0.2 s: 0.7 s of room
    text = " ".join(report.first_fit_tables(ff, True))
    assert "at the median loop (10.00 s) it allows the fit +0.70 s" in text, text
    assert "the median first fit took +0.30 s" in text, text


def test_the_first_fit_bench_runs_the_loop_beside_every_step_of_a_fit_that_draws():
    # one round (a first and a warm fit) on 1,024 training images (8 steps) and the 79
    # validation batches; the child fails unless the loop took every step (half of them
    # before the fit's, half after) and its validation, and the first fit showed its log
    # and its curves
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_first_fit.py"), "--child",
                          "1024"], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "MPLBACKEND": "Agg"})
    assert out.returncode == 0, out.stderr[-2000:]
    process = json.loads(out.stdout.strip().splitlines()[-1])
    for fit in (process["first"], process["warm"]):
        parts = fit["parts"]
        assert fit["loop_s"] > 0 and fit["loop_cpu_s"] > 0, fit
        assert fit["loop_steps"] == {"before": 4, "after": 4}, fit
        # the parts add up to the whole, for the fit and for the loop
        assert sum(f for f, _ in parts.values()) == pytest.approx(fit["fit_s"]), fit
        assert sum(loop for _, loop in parts.values()) == pytest.approx(fit["loop_s"]), fit
        assert all(f > 0 for f, _ in parts.values()), fit


def test_the_median_interval_is_the_distribution_free_one_and_covers_95_percent():
    median_ci = bench_common.median_ci
    assert median_ci([5, 1, 4, 2, 3]) is None            # n < 6: no k with P <= 2.5 %
    assert median_ci([6, 1, 5, 2, 4, 3]) == [1, 6]        # P(count < 1) = 1/64
    assert median_ci(list(range(9, 0, -1))) == [2, 8]     # P(count < 2) = 10/512
    assert median_ci(list(range(30))) == [9, 20]          # P(count < 10) = 2.1 %, < 11 = 4.9 %
    # drawn from a skewed distribution whose median is 1: covered 95-98 % of the time
    rng = random.Random(0)
    covered = sum(low <= 1 <= high for low, high in (
        median_ci([rng.lognormvariate(0, 1) for _ in range(30)]) for _ in range(2000)))
    assert 0.95 <= covered / 2000 <= 0.98, covered
