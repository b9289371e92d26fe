"""The architecture figure (ArchitectureView): stages, two models side by side, the page.

The stage split of the book's models is checked against their code (a stage
ends at each pooling layer of ``net``; the head starts at its Flatten),
the shares of the head against ``num_params`` and ``count_macs`` of the
head's own layers, a comparison's alignment and scale, the names and order
of the blocks, the captions; then the page: the real JavaScript in Node on
a fake DOM draws exactly the stages, sentences and menu Python computed,
with bars whose shares are the model's, focusable boxes whose names start
with their visible text; and a real browser for the pointer and keyboard.
"""
import json
import re

import pytest
import torch
from torch import nn

import d2lmini as d2l
from d2lmini import models
from d2lmini.architecture import human
from d2lmini.widgets.architecture import ArchitectureView
from doubles import facts
from pagewatch import chromium, chromium_path
from widgetjs import FAKE_PAGE, needs_node, run_js

# The models the figures of 7.6 and 8.1-8.6 draw, at d2l's input sizes: from the registry, and
# the VGG-11 of 8.2's and 8.3's comparisons (the book trains VGG-11 with a quarter of the channels).
DRAWN = ("LeNet", "AlexNet", "NiN", "GoogLeNet", "BN-LeNet (scratch)", "ResNet-18")
BOOK = {**{m.name: (m.make, m.size) for m in models.BOOK if m.name in DRAWN},
        "VGG-11": (lambda: models.VGG(arch=models.VGG11_ARCH), 224)}
# What a reader should see, stage by stage (d2l's Figs 7.6.1, 8.1.2, 8.2.1, 8.3.1, 8.4.2, 8.6.4)
STAGES = {
    "LeNet": ["stage 1", "stage 2", "head"],
    "AlexNet": ["stage 1", "stage 2", "stage 3", "head"],
    "VGG-11": ["stage 1", "stage 2", "stage 3", "stage 4", "stage 5", "head"],
    "NiN": ["stage 1", "stage 2", "stage 3", "stage 4", "head"],
    "GoogLeNet": ["b1", "b2", "b3", "b4", "b5", "head"],
    "BN-LeNet (scratch)": ["stage 1", "stage 2", "head"],
    "ResNet-18": ["b1", "b2", "b3", "b4", "b5", "head"],
}
COMPARED = [("LeNet", "AlexNet"), ("AlexNet", "VGG-11"), ("VGG-11", "NiN")]


def seeded(make):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return make()


@pytest.fixture(scope="module")
def book():
    """name -> (model, X_shape, its ArchitectureView), each model read once."""
    out = {}
    for name, (make, size) in BOOK.items():
        model, shape = seeded(make), (1, 1, size, size)
        out[name] = (model, shape, ArchitectureView(model, shape))
    return out


@pytest.fixture(scope="module")
def compared(book):
    """(left, right) -> the comparison figure of d2l's Figs 8.1.2, 8.2.1, 8.3.1."""
    return {(a, b): ArchitectureView(*book[a][:2], compare=book[b][:2]) for a, b in COMPARED}


def state(widget):
    return json.loads(json.dumps(widget.get_state(), default=str))


def net_positions(model, kinds):
    """Indices of ``model.net``'s layers of the types ``kinds``."""
    return [i for i, layer in enumerate(model.net) if isinstance(layer, kinds)]


class TwoPaths(nn.Module):
    """A forward whose top level is not a chain: a skip around a block."""

    def __init__(self):
        super().__init__()
        self.block = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.ReLU())
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(16, 2))

    def forward(self, x):
        return self.head(x + self.block(x))


# ============================================================ stages and shares

@pytest.mark.parametrize("name", BOOK)
def test_stages_of_the_book_models(book, name):
    model, _, w = book[name]
    data = w.models[0]
    top = data["graphs"][""]
    assert [s["name"] for s in data["stages"]] == STAGES[name]
    # every layer of the top level in exactly one stage, in the order of the code
    assert [i for s in data["stages"] for i in s["nodes"]] == list(range(1, len(top["nodes"]) - 1))
    assert [i for s in data["stages"] for i, folded in s["boxes"] for i in [i, *folded]] == \
        list(range(1, len(top["nodes"]) - 1))
    for key in ("params", "macs"):
        assert sum(s[key] for s in data["stages"]) == top[key]
    for s in data["stages"]:  # a box holds one layer and the activations after it, nothing else
        for i, folded in s["boxes"]:
            assert all(top["nodes"][j].get("elementwise") and top["nodes"][j]["params"] == 0
                       for j in folded)
            assert not top["nodes"][i].get("elementwise") or i == s["nodes"][0]


@pytest.mark.parametrize("name", ["LeNet", "AlexNet", "BN-LeNet (scratch)"])
def test_a_stage_ends_at_each_pooling_layer_and_the_head_starts_at_flatten(book, name):
    model, _, w = book[name]
    stages, ids = w.models[0]["stages"], [n["name"] for n in w.models[0]["graphs"][""]["nodes"]]
    pools = net_positions(model, (nn.MaxPool2d, nn.AvgPool2d))
    flatten = net_positions(model, nn.Flatten)[0]
    ends = [int(ids[s["nodes"][-1]]) for s in stages if not s["head"]]
    assert ends == pools
    assert [int(ids[i]) for i in stages[-1]["nodes"]] == list(range(flatten, len(model.net)))


def test_vgg_and_nin_stages_are_their_blocks(book):
    vgg, nin = book["VGG-11"][2].models[0], book["NiN"][2].models[0]
    names = lambda data, s: [data["graphs"][""]["nodes"][i]["name"] for i in s["nodes"]]
    assert [names(vgg, s) for s in vgg["stages"][:-1]] == [["0"], ["1"], ["2"], ["3"], ["4"]]
    # NiN: each block with the pooling after it; the dropout stays with the pooling before it
    assert [names(nin, s) for s in nin["stages"]] == [["0", "1"], ["2", "3"], ["4", "5", "6"],
                                                       ["7"], ["8", "9"]]


def head_of(model):
    """The layers after the last block (everything from Flatten, or from global pooling)."""
    start = min(net_positions(model, (nn.Flatten, nn.AdaptiveAvgPool2d)))
    return model.net[start:], model.net[:start]


@pytest.mark.parametrize("name, words", [
    ("AlexNet", "dense head: 92.0 % of parameters, 4.6 % of MACs"),
    ("VGG-11", "dense head: 92.8 % of parameters, 1.6 % of MACs"),
    ("LeNet", "dense head: 95.8 % of parameters, 14.1 % of MACs"),
    ("NiN", "head (no dense layer): 0.0 % of parameters, 0.0 % of MACs"),
])
def test_the_summary_says_where_the_parameters_and_macs_are(book, name, words):
    model, shape, w = book[name]
    head, body = head_of(model)
    with torch.no_grad():
        features = body.eval()(torch.zeros(shape))
    params = sum(p.numel() for p in head.parameters())
    macs = d2l.count_macs(head, tuple(features.shape))
    share = lambda part, whole: f"{100 * part / whole:.1f} %"
    assert w.models[0]["summary"] == words
    assert words.endswith(f"{share(params, d2l.num_params(model))} of parameters, "
                          f"{share(macs, d2l.count_macs(model, shape))} of MACs")
    assert any(isinstance(m, nn.Linear) for m in head.modules()) == words.startswith("dense")


def test_googlenet_and_resnet_stages_say_what_they_hold(book):
    top = book["ResNet-18"][2].models[0]["graphs"][""]
    boxes = {n["name"]: n for n in top["nodes"]}
    assert [boxes[f"b{k}"]["contents"] for k in range(2, 6)] == [
        f"2 Residual blocks, {c} channels" for c in (64, 128, 256, 512)]
    assert [boxes[k]["skips"] for k in ("b1", "b2", "b3", "b4", "b5", "last")] == [0, 2, 2, 2, 2, 0]
    assert boxes["last"]["contents"] == "global avg-pool, dense 10"
    inner = book["ResNet-18"][2].models[0]["graphs"]["b3"]
    assert [n["skips"] for n in inner["nodes"] if n["kind"] == "module"] == [1, 1]
    assert "contents" not in inner["nodes"][1]  # a Residual block: its class says what it is
    top = book["GoogLeNet"][2].models[0]["graphs"][""]
    assert [n.get("contents") for n in top["nodes"][1:6]] == [
        "conv 7×7, max-pool 3×3, 64 channels",
        "conv 1×1, conv 3×3, max-pool 3×3, 192 channels",
        "2 Inception blocks, max-pool 3×3, 480 channels",
        "5 Inception blocks, max-pool 3×3, 832 channels",
        "2 Inception blocks, global avg-pool"]
    assert all(n.get("skips", 0) == 0 for n in top["nodes"])  # concatenation is no skip
    assert top["nodes"][3]["numbers"] == f"{human(d2l.num_params(book['GoogLeNet'][0].net[2]))} " \
        f"params · 79.4M MACs"


# ============================================================ two models side by side

@pytest.mark.parametrize("pair", COMPARED, ids="|".join)
def test_a_comparison_aligns_two_whole_models(book, compared, pair):
    w = compared[pair]
    left, right = (book[name][2].models[0] for name in pair)
    assert [m["title"] for m in w.models] == [left["title"], right["title"]]
    for drawn, alone in zip(w.models, (left, right)):  # each model as it is drawn alone,
        assert drawn["stages"] == alone["stages"] and drawn["summary"] == alone["summary"]
        assert list(drawn["graphs"]) == [""]  # with only its top level saved
        assert drawn["graphs"][""]["nodes"] == alone["graphs"][""]["nodes"]
    assert w.views == [["", f"{left['title']} vs {right['title']}", w.status(), w.caption()]]
    assert w.status() == (f"{left['title']} vs {right['title']}: {left['params']:,} vs "
                          f"{right['params']:,} parameters, {human(left['macs'])} vs "
                          f"{human(right['macs'])} MACs per image")
    assert len(json.dumps(w.get_state(), default=str)) < 60_000


def test_lenet_beside_alexnet(compared):
    w = compared[("LeNet", "AlexNet")]
    assert repr(w) == ("ArchitectureView(LeNet vs AlexNet: 61,706 vs 46,764,746 parameters, "
                       "416.5K vs 938.1M MACs per image)")
    assert w.title == "LeNet vs AlexNet" and w.block == "" and w.size_by == "params"
    assert [m["summary"] for m in w.models] == [
        "dense head: 95.8 % of parameters, 14.1 % of MACs",
        "dense head: 92.0 % of parameters, 4.6 % of MACs"]


@pytest.mark.parametrize("kwargs, error, parts", [
    (dict(compare="AlexNet"), TypeError, ("ArchitectureView", "compare", "(model, X_shape)")),
    (dict(compare=(TwoPaths(), (1, 1, 4, 4))), ValueError,
     ("ArchitectureView", "second", "TwoPaths", "stage by stage", "draw it alone")),
    (dict(compare=(nn.Sequential(nn.Flatten(), nn.Linear(16, 2)), (1, 1, 4, 4)), block="0"),
     ValueError, ("ArchitectureView", "block", "'0'", "comparison")),
    (dict(size_by="flops"), ValueError, ("ArchitectureView", "size_by", "'macs'", "'flops'")),
])
def test_bad_comparisons_and_bars_name_the_argument(kwargs, error, parts):
    left = nn.Sequential(nn.Sequential(nn.Conv2d(1, 2, 3, padding=1)), nn.Flatten(),
                         nn.Linear(32, 2))
    with pytest.raises(error, match=facts(*parts)):
        ArchitectureView(left, (1, 1, 4, 4), **kwargs)


def test_first_model_that_cannot_be_compared_is_named():
    with pytest.raises(ValueError, match=facts("first", "TwoPaths", "stage by stage")):
        ArchitectureView(TwoPaths(), (1, 1, 4, 4), compare=(TwoPaths(), (1, 1, 4, 4)))
    alone = ArchitectureView(TwoPaths(), (1, 1, 4, 4))  # alone it is drawn as its graph
    assert alone.models[0]["stages"] == [] and alone.models[0]["summary"] == ""


# ============================================================ blocks, menu, captions

@pytest.mark.parametrize("name", BOOK)
def test_the_whole_model_comes_first_and_each_block_after_its_level(book, name):
    _, _, w = book[name]
    keys = [view[0] for view in w.views]
    graphs = w.models[0]["graphs"]
    assert keys[0] == "" and w.views[0][1] == f"{w.title} (the whole model)"
    assert sorted(keys) == sorted(graphs)
    for position, key in enumerate(keys[1:], 1):
        assert keys.index(graphs[key]["parent"]) < position
    for key, option, status, caption in w.views:
        w.block = key
        assert (w.status(), w.caption()) == (status, caption)
    w.block = ""


def test_googlenet_menu_reads_b1_to_b5(book):
    _, _, w = book["GoogLeNet"]
    keys = [view[0] for view in w.views]
    assert keys[:7] == ["", "b1", "b2", "b3", "b3.0", "b3.1", "b4"]
    assert w.views[4][1] == "· · b3.0: Inception"
    assert w.views[3][1] == "· b3: 2 Inception blocks, max-pool 3×3, 480 channels"
    w.block = "2.0"  # the module path names the same block
    assert w.block == "b3.0"
    assert repr(w) == ("ArchitectureView(GoogleNet › b3.0 (Inception): 7 layers, 163,696 "
                       "parameters, 23.5M MACs per image)")
    w.block = ""


def test_captions_say_what_is_drawn(book):
    _, _, w = book["GoogLeNet"]
    captions = {key: caption for key, _, _, caption in w.views}
    assert "self.net" in captions[""] and "forward only calls self.net" in captions[""]
    assert all("self.net" not in text for key, text in captions.items() if key)
    assert "Inception.forward calls" in captions["b3.0"]
    resnet = book["ResNet-18"][2]
    resnet.block = "b3.0"
    assert "Residual.forward calls" in resnet.caption() and "self.net" not in resnet.caption()
    resnet.block = ""
    bare = ArchitectureView(nn.Sequential(nn.Flatten(), nn.Linear(4, 2)), (1, 4))
    assert "self." not in bare.caption()  # its forward is the Sequential's own


def test_nin_opens_on_its_last_block_and_on_the_whole_model(book):
    model, shape, _ = book["NiN"]
    last = ArchitectureView(model, shape, block=7)
    assert repr(last) == ("ArchitectureView(NiN › 7 (Sequential): 6 layers, 34,790 parameters, "
                          "869.0K MACs per image)")
    assert last.level()["nodes"][1]["label"] == "Conv2d 10, 3×3, pad 1"
    whole = ArchitectureView(model, shape, block="")
    assert repr(whole) == ("ArchitectureView(NiN: 10 blocks, 1,992,166 parameters, 762.3M MACs "
                           "per image)")
    whole.block = 0  # an index of net means its path
    assert whole.status() == ("NiN › 0 (Sequential): 6 layers, 30,336 parameters, 87.6M MACs "
                              "per image")
    whole.set_state({"block": "7"})
    with pytest.raises(ValueError, match=facts("'1'", "MaxPool2d", "no layers inside")):
        whole.block = "1"
    assert whole.block == "7"


def test_the_book_figures_print_what_the_notebooks_show(book):
    assert repr(book["LeNet"][2]) == \
        "ArchitectureView(LeNet: 12 layers, 61,706 parameters, 416.5K MACs per image)"
    assert repr(book["ResNet-18"][2]) == \
        "ArchitectureView(ResNet18: 6 blocks, 11,178,378 parameters, 318.7M MACs per image)"
    assert repr(book["BN-LeNet (scratch)"][2]) == (
        "ArchitectureView(BNLeNetScratch: 16 layers, 44,878 parameters, 281.6K MACs per image)")


def test_saved_state_is_small(book):
    for name, (_, _, w) in book.items():
        assert len(json.dumps(w.get_state(), default=str)) < 120_000, name


def test_human_numbers():
    cases = {0: "0", 999: "999", 1000: "1.0K", 1049: "1.0K", 1050: "1.1K", 999_949: "999.9K",
             999_950: "1000.0K", 1_250_000: "1.3M", 762_297_352: "762.3M",
             7_547_232_256: "7.55G", 1_005_000_000: "1.01G"}
    assert {n: human(n) for n in cases} == cases


@pytest.mark.parametrize("args, kwargs, error, words", [
    ((nn.ReLU(),), {}, TypeError, "ArchitectureView: pass the input shape too"),
    ((nn.ReLU(), (1, 2)), dict(block="0"), ValueError, "there is no block '0'"),
    ((nn.Sequential(nn.Sequential(nn.ReLU()), nn.ReLU()), (1, 2)), dict(block="1"), ValueError,
     "'1' is a ReLU with no layers inside"),
    ((nn.Sequential(nn.Sequential(nn.ReLU())), (1, 2)), dict(block=1.0), TypeError,
     "block must be a module path such as '2.0'"),
    ((nn.ReLU(), (1, 2)), dict(max_depth=-1), ValueError, "max_depth must be at least 0"),
])
def test_bad_arguments_name_the_argument(args, kwargs, error, words):
    with pytest.raises(error, match=re.escape(words)):
        ArchitectureView(*args, **kwargs)


# ============================================================ the page (Node)

DRAW = FAKE_PAGE + r"""
const read = (el, model) => {
  const all = [...el.walk()];
  const by = (testid) => all.find((n) => n.attributes["data-testid"] === testid);
  const root = all.find((n) => n.dataset.testid === "architecture-view");
  const svg = by("arch-svg");
  return {
    status: by("arch-status").textContent, summary: by("arch-summary").textContent,
    caption: all.find((n) => n.classList.contains("d2l-caption")).textContent,
    options: by("arch-block").children.map((o) => [o.attributes.value, o.textContent]),
    menuShown: by("arch-block").parentNode.style.display !== "none",
    stages: JSON.parse(root.dataset.stages), bars: JSON.parse(root.dataset.bars),
    svg: { role: svg.attributes.role, label: svg.attributes["aria-label"] },
    bands: svg.children.filter((n) => n.tagName === "TEXT" && n.attributes.stroke).map((n) => n.textContent),
    boxes: all.filter((n) => n.attributes["data-node"] !== undefined).map((g) => ({
      id: g.attributes["data-node"], column: Number(g.attributes["data-column"]),
      label: g.attributes["aria-label"], tabindex: g.attributes.tabindex, role: g.attributes.role,
      texts: g.children.filter((c) => c.tagName === "TEXT").map((c) => c.textContent),
      skips: g.children.filter((c) => c.attributes["data-skip"] !== undefined).length })),
    sent: model.sent.slice(),
  };
};
return payload.states.map((state) => {
  const { model, el } = page(state);
  const before = read(el, model);
  const size = [...el.walk()].find((n) => n.attributes["data-testid"] === "arch-size-by");
  size.value = "macs";
  size.dispatchEvent(new Event("change"));
  return { before, after: read(el, model) };
});
"""


def drawn(widgets):
    """What the page draws for each widget, before and after choosing MACs for the bars."""
    return run_js(widgets[0], DRAW, {"states": [state(w) for w in widgets]})


def stages_drawn(w):
    """The stages as the page should list them: per model, names and box ids."""
    out = []
    for m in w.models:
        nodes = m["graphs"][""]["nodes"]
        out.append([{"name": s["name"], "boxes": [[nodes[i]["id"], [nodes[j]["id"] for j in f]]
                                                   for i, f in s["boxes"]]} for s in m["stages"]])
    return out


def band_labels(w, metric):
    """The band labels in the order the page draws them: stage k of each model side by side,
    then the heads side by side."""
    bodies = [[s for s in m["stages"] if not s["head"]] for m in w.models]
    labels = [body[k]["labels"][metric] for k in range(max(map(len, bodies)))
              for body in bodies if k < len(body)]
    return labels + [s["labels"][metric] for m in w.models for s in m["stages"] if s["head"]]


@needs_node
def test_the_page_draws_what_python_computed(book, compared):
    widgets = [w for _, _, w in book.values()] + list(compared.values())
    for w, page in zip(widgets, drawn(widgets)):
        where, first = w.title, page["before"]
        assert first["status"] == w.status() and first["caption"] == w.caption(), where
        assert first["summary"] == "\n".join(f"{m['title']}: {m['summary']}" for m in w.models
                                             if m["summary"]), where
        assert first["options"] == [[key, text] for key, text, *_ in w.views], where
        assert first["options"][0][0] == "" and first["menuShown"] == (len(w.views) > 1), where
        assert first["stages"] == stages_drawn(w), where
        assert first["bands"] == band_labels(w, "params"), where
        assert page["after"]["bands"] == band_labels(w, "macs"), where
        assert page["after"]["sent"] == [{"size_by": "macs"}], where
        # every box: reachable with Tab, its lines never cut, and named by exactly what it
        # shows (WCAG's label in name: a speech user says the words seen)
        assert first["svg"]["role"] == "group" and first["svg"]["label"], where
        for box in first["boxes"]:
            assert box["tabindex"] == "0" and box["role"] in ("img", "button"), (where, box)
            title, numbers = box["texts"]
            assert title.endswith(" "), (where, box)  # read as words apart from the numbers
            assert box["label"].startswith(f"{title.strip()}, {numbers}"), (where, box)


@needs_node
def test_a_reader_sees_where_parameters_and_macs_live(compared):
    w = compared[("LeNet", "AlexNet")]
    page = drawn([w])[0]
    heads = [{box[0] for box in stages[-1]["boxes"]} for stages in page["before"]["stages"]]
    for when, metric in (("before", "params"), ("after", "macs")):
        bars, boxes = page[when]["bars"], page[when]["boxes"]
        assert max(bars) == 1 and min(bars) >= 0
        for column, m in enumerate(w.models):
            mine = [(box, bar) for box, bar in zip(boxes, bars) if box["column"] == column]
            head = sum(bar for box, bar in mine if box["id"] in heads[column])
            share = head / sum(bar for _, bar in mine)
            # the drawn bars hold the head's share that the summary states
            word = "parameters" if metric == "params" else "MACs"
            stated = float(re.search(rf"([\d.]+) % of {word}", m["summary"])[1])
            assert abs(100 * share - stated) < 0.05, (m["title"], metric, share, stated)
    # one scale for both: the widest bar is AlexNet's first dense layer, LeNet's are slivers
    before = page["before"]
    widest = before["boxes"][before["bars"].index(1)]
    assert widest["column"] == 1 and widest["texts"][0].startswith("Linear 4096")
    lenet = [bar for box, bar in zip(before["boxes"], before["bars"]) if box["column"] == 0]
    assert max(lenet) < 0.01


@needs_node
def test_resnet_draws_its_skips_and_names(book):
    page = drawn([book["ResNet-18"][2]])[0]["before"]
    skips = {box["texts"][0].split(":")[0].strip(): box["skips"] for box in page["boxes"]}
    assert skips == {"input": 0, "b1": 0, "b2": 2, "b3": 2, "b4": 2, "b5": 2, "last": 0,
                     "output": 0}
    b3 = next(box for box in page["boxes"] if box["texts"][0].startswith("b3"))
    assert b3["texts"][0].strip() == "b3: 2 Residual blocks, 128 channels"
    assert b3["label"].endswith("opens, 2 skip connections") and b3["role"] == "button"
    assert [s["name"] for s in page["stages"][0]] == STAGES["ResNet-18"]


@needs_node
def test_stage_bands_line_up_across_the_two_models(compared):
    w = compared[("AlexNet", "VGG-11")]
    columns = [{"level": m["graphs"][""], "stages": m["stages"]} for m in w.models]
    lay = run_js(w, "return m.archStageLayout(payload.columns, { boxWidth: 200 });",
                 {"columns": columns})
    bands = {}
    for band in lay["bands"]:
        bands.setdefault(band["column"], []).append(band)
    assert [len(bands[0]), len(bands[1])] == [4, 6]  # AlexNet: 3 stages + head; VGG-11: 5 + head
    for k in range(3):  # stage k beside stage k
        assert bands[0][k]["y"] == bands[1][k]["y"]
    assert bands[0][-1]["y"] == bands[1][-1]["y"] and bands[0][-1]["stage"]["head"]
    ends = [[b for b in lay["boxes"] if b["column"] == c] for c in (0, 1)]
    assert ends[0][0]["y"] == ends[1][0]["y"] and ends[0][-1]["y"] == ends[1][-1]["y"]
    for band in lay["bands"]:  # every box of a stage inside its band, none overlapping
        inside = [b for b in lay["boxes"] if b["column"] == band["column"]
                  and band["y"] < b["y"] and b["y"] + b["h"] < band["y"] + band["h"]]
        assert len(inside) == len(band["stage"]["boxes"])
    for a in lay["boxes"]:
        for b in lay["boxes"]:
            if a is not b and a["column"] == b["column"]:
                assert a["y"] + a["h"] <= b["y"] or b["y"] + b["h"] <= a["y"]
    left_edge = max(b["x"] + b["w"] for b in lay["boxes"] if b["column"] == 0)
    assert left_edge < min(b["x"] for b in lay["boxes"] if b["column"] == 1)


@needs_node
def test_inception_branches_are_laid_out_side_by_side(book):
    g = book["GoogLeNet"][2].models[0]
    level = g["graphs"]["b3.0"]
    w = ArchitectureView._example()
    lay = run_js(w, "return m.archLayout(payload.level);", {"level": level})
    box = {n["id"]: b for n, b in zip(level["nodes"], lay["nodes"])}
    branches = [["b1_1", "relu"], ["b2_1", "relu_1", "b2_2", "relu_2"],
                ["b3_1", "relu_3", "b3_2", "relu_4"], ["b4_1", "b4_2", "relu_5"]]
    firsts = [box[b[0]] for b in branches]
    assert len({b["y"] for b in firsts}) == 1 and len({b["layer"] for b in firsts}) == 1
    xs = [b["x"] for b in firsts]
    assert xs == sorted(xs) and len(set(xs)) == 4
    assert all(b["x"] >= a["x"] + a["w"] for a, b in zip(firsts, firsts[1:]))  # no overlap
    for branch in branches:  # each branch keeps its column, top to bottom
        assert len({box[i]["x"] for i in branch}) == 1
        ys = [box[i]["y"] for i in branch]
        assert ys == sorted(ys) and box["x"]["y"] < ys[0] and ys[-1] < box["cat"]["y"]
    assert box["cat"]["y"] < box["output"]["y"]
    # the first branch's edge to the cat runs down its own column past the other branches
    edge = next(e for e in lay["edges"] if level["nodes"][e["from"]]["id"] == "relu"
                and level["nodes"][e["to"]]["id"] == "cat")
    column = box["relu"]["x"] + box["relu"]["w"] / 2
    assert len(edge["points"]) > 2 and all(p[0] == column for p in edge["points"][:-1])
    # no two boxes overlap
    for a in lay["nodes"]:
        for b in lay["nodes"]:
            if a is not b and a["y"] == b["y"]:
                assert a["x"] + a["w"] <= b["x"] or b["x"] + b["w"] <= a["x"]


@needs_node
def test_residual_skip_runs_beside_the_block(book):
    g = book["ResNet-18"][2].models[0]
    w = ArchitectureView._example()
    out = run_js(w, "return [m.archLayout(payload.a), m.archLayout(payload.b)];",
                 {"a": g["graphs"]["b3.0"], "b": g["graphs"]["b3.1"]})
    for level, lay in zip((g["graphs"]["b3.0"], g["graphs"]["b3.1"]), out):
        box = {n["id"]: b for n, b in zip(level["nodes"], lay["nodes"])}
        main = ["conv1", "bn1", "relu", "conv2", "bn2"]
        assert len({box[i]["x"] for i in main}) == 1
        if "conv3" in box:  # the 1×1 conv sits right of conv1, beside the main path
            assert box["conv3"]["layer"] == box["conv1"]["layer"]
            assert box["conv3"]["x"] > box["conv1"]["x"]
        skip = next(e for e in lay["edges"] if level["nodes"][e["to"]]["id"] == "add"
                    and level["nodes"][e["from"]]["id"] in ("x", "conv3"))
        xs = {p[0] for p in skip["points"][1:-1]}
        assert len(xs) == 1 and xs.pop() > box["conv1"]["x"] + box["conv1"]["w"] / 2


@needs_node
def test_a_long_chain_wraps_into_columns(book):
    w = ArchitectureView._example()
    levels = {name: book[name][2].models[0]["graphs"][""]
              for name in ("AlexNet", "LeNet", "ResNet-18")}
    # a block with a long chain inside is drawn this way (whole models are drawn in stages)
    out = run_js(w, "return Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, m.archLayout(v)]));",
                 levels)
    alex = out["AlexNet"]
    assert len(alex["nodes"]) == 23 and [b["slot"] for b in alex["nodes"]] == [0] * 12 + [1] * 11
    for a, b in zip(alex["nodes"], alex["nodes"][1:]):  # top to bottom, then the next column
        assert (b["y"] > a["y"] and b["x"] == a["x"]) or (b["x"] > a["x"] + a["w"] and b["y"] < a["y"])
    assert alex["height"] < 12 * 70 and alex["width"] > 2 * alex["nodes"][0]["w"]
    for e in alex["edges"]:  # each edge leaves the bottom of one box and enters the top of the next
        a, b = alex["nodes"][e["from"]], alex["nodes"][e["to"]]
        assert e["to"] == e["from"] + 1
        assert e["points"][0] == [a["x"] + a["w"] / 2, a["y"] + a["h"]]
        assert e["points"][-1] == [b["x"] + b["w"] / 2, b["y"]]
    assert {b["slot"] for b in out["LeNet"]["nodes"]} == {0, 1}  # 14 boxes: two columns of 7
    assert {b["slot"] for b in out["ResNet-18"]["nodes"]} == {0}  # 8 boxes: one column


# ============================================================ the page (a real browser)

PAGE = """<!doctype html><html><body><div id="w"></div>
<script type="application/json" id="state">STATE</script>
<script type="text/plain" id="esm">ESM</script>
<script type="module">
const state = JSON.parse(document.getElementById('state').textContent);
const listeners = {};
const model = { get: (k) => state[k],
  set: (k, v) => { state[k] = v; (listeners['change:' + k] || []).forEach((f) => f()); },
  save_changes: () => { window.saved = (window.saved || 0) + 1; },
  on: (n, f) => { (listeners[n] = listeners[n] || []).push(f); },
  off: (n, f) => { listeners[n] = (listeners[n] || []).filter((g) => g !== f); } };
const src = document.getElementById('esm').textContent;
const mod = await import(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
window.stop = mod.default.render({ model, el: document.getElementById('w') });
window.listeners = listeners; window.state = state; window.ready = true;
</script></body></html>"""


@pytest.mark.skipif(chromium_path() is None, reason="Chromium is missing: apt-get install chromium")
def test_hover_open_go_back_and_the_keyboard_in_a_browser(book):
    model, shape, _ = book["GoogLeNet"]
    w = ArchitectureView(model, shape, block="b3")
    html = PAGE.replace("STATE", json.dumps(state(w)).replace("</", "<\\/")).replace(
        "ESM", w._esm.replace("</", "<\\/"))
    with chromium() as browser:
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.set_content(html)
        page.wait_for_function("window.ready === true")
        root = page.locator('.d2l-widget[data-testid="architecture-view"]')
        assert root.count() == 1
        status = root.locator('[data-testid="arch-status"]')
        assert status.inner_text() == w.status()
        inception = page.locator('[data-node="_0"]')
        where = page.locator('[data-testid="arch-svg"]').bounding_box()
        inception.hover()
        assert page.locator('[data-testid="arch-svg"]').bounding_box() == where  # nothing moved
        detail = page.locator('[data-testid="arch-detail"]').text_content()
        assert "Inception output shape:\t torch.Size([1, 256, 12, 12])" in detail
        assert "163,696 parameters" in detail and "23,519,232 MACs" in detail
        inception.click()
        assert root.get_attribute("data-block") == "b3.0"
        w.block = "b3.0"
        assert status.inner_text() == w.status()
        assert page.locator("[data-node]").count() == len(w.level()["nodes"])
        page.locator('[data-testid="arch-crumb-1"]').click()  # back up to b3
        assert root.get_attribute("data-block") == "b3"
        page.locator('[data-node="_1"]').focus()  # the keyboard: focus shows, Enter opens
        assert "b3.1 (Inception)" in page.locator('[data-testid="arch-detail"]').text_content()
        page.keyboard.press("Enter")
        assert root.get_attribute("data-block") == "b3.1"
        page.locator('[data-testid="arch-block"]').select_option("")
        assert status.inner_text().startswith("GoogleNet: 6 blocks")
        assert page.locator('[data-testid="arch-summary"]').inner_text() == \
            "GoogleNet: dense head: 0.2 % of parameters, 0.0 % of MACs"
        # Tab from the bars menu reaches the first box; Enter on a stage opens it
        page.locator('[data-testid="arch-size-by"]').focus()
        page.keyboard.press("Tab")
        top = w.models[0]["graphs"][""]["nodes"]
        assert page.evaluate("document.activeElement.dataset.node") == top[0]["id"]  # input
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.getAttribute('aria-label')").startswith(
            "b1: conv 7×7, max-pool 3×3, 64 channels")
        page.keyboard.press("Enter")
        assert root.get_attribute("data-block") == "b1"
        page.locator('[data-testid="arch-size-by"]').select_option("macs")
        assert root.get_attribute("data-size-by") == "macs"
        assert page.evaluate("window.saved") == 6
        page.evaluate("window.stop()")
        assert page.evaluate(
            "Object.values(window.listeners).reduce((t, l) => t + l.length, 0)") == 0
        assert errors == []
