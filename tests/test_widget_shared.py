"""What several widgets share, written once: the presets table, the uint8 codec, the
sentences Python writes and the page fills, and the helpers of _base.js that go with
them (run in Node on the same inputs as their Python halves)."""
import json
import subprocess

import pytest
import torch

from d2lmini.widgets import KernelPlayground, LocalityView
from d2lmini.widgets import _base, _codec, presets
from d2lmini.widgets._text import fill
from doubles import facts
from widgetjs import NODE, needs_node


def run_base(body, payload):
    """Run ``body`` (it sees ``payload`` and returns a JSON-able value) after _base.js in Node."""
    helpers = (_base.HERE / "_base.js").read_text(encoding="utf-8")
    script = (f"{helpers}\nconst payload = {json.dumps(payload)};\n"
              f"process.stdout.write(JSON.stringify((() => {{ {body} }})()));")
    done = subprocess.run([NODE, "-e", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# ---------------------------------------------------------------- presets

def test_one_preset_vocabulary_in_both_widgets():
    kernel = KernelPlayground(torch.rand(8, 8), "vertical_edge")
    locality = LocalityView(torch.rand(8, 8), "vertical_edge")
    # §7.1's edge detector (and Figure 7.2.3's "vertical edges"): Sobel, bright to the right > 0
    sobel = [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]
    assert kernel.kernel == locality.kernel == sobel
    shared = set(kernel.presets) & set(locality.presets)
    assert shared == {"vertical_edge", "horizontal_edge", "blur", "sharpen", "outline", "identity"}
    for name in shared:
        assert kernel.presets[name] == locality.presets[name], name
    # LocalityView offers those with odd sides, and its own seeded random kernel
    assert set(locality.presets) - shared == {"random"} and set(kernel.presets) - shared == {"diff"}
    kernels = [tuple(map(tuple, p["kernel"])) for p in kernel.presets.values()]
    assert len(set(kernels)) == len(kernels)  # distinct names, distinct kernels
    assert presets.preset_of(sobel) == "vertical_edge" and presets.preset_of([[1.0]]) == "custom"


@needs_node
def test_the_page_names_presets_as_python_does():
    offered = LocalityView(torch.rand(5, 5), seed=4).presets
    kernels = [p["kernel"] for p in offered.values()] + [[[1.0, 0.0]], [[0.1111] * 3] * 3]
    out = run_base("return payload.kernels.map((K) => d2lPresetOf(K, payload.presets));",
                 {"kernels": kernels, "presets": offered})
    assert out == [presets.preset_of(k, offered) for k in kernels] == [*offered, "custom", "custom"]


# ---------------------------------------------------------------- the uint8 codec

def test_codec_round_trip_within_half_a_step():
    maps = torch.randn(3, 4, 5, generator=torch.Generator().manual_seed(0)) * 10
    data, ranges = _codec.encode(maps)
    assert len(ranges) == 3
    assert all(float(f"{v:.6g}") == v for pair in ranges for v in pair)  # 6 significant digits
    assert ranges[0][0] == pytest.approx(maps[0].min().item(), rel=1e-5)
    back = _codec.decode(data, ranges, (4, 5))
    for k, (lo, hi) in enumerate(ranges):
        assert (back[k] - maps[k].double()).abs().max() <= (hi - lo) / 510 + 1e-5 * abs(hi)
    flat = _codec.decode(*_codec.encode(torch.full((2, 3), 0.25)), (3,))  # constant: no 0/0
    assert torch.equal(flat, torch.full((2, 3), 0.25, dtype=torch.float64))


@needs_node
def test_the_page_decodes_the_bytes_python_decodes():
    maps = torch.rand(2, 3, 3, generator=torch.Generator().manual_seed(1)) - 0.5
    data, ranges = _codec.encode(maps)
    out = run_base("""
        const bytes = d2lBytes(payload.data);
        return Array.from(bytes, (q, t) => {
          const [lo, hi] = payload.ranges[Math.floor(t / 9)];
          return lo + q / 255 * (hi - lo);
        });""", {"data": data, "ranges": ranges})
    assert torch.equal(torch.tensor(out, dtype=torch.float64),
                       _codec.decode(data, ranges, (3, 3)).flatten())


# ---------------------------------------------------------------- sentences written once

CASES = [("{n:weight} of {m:pixel}", {"n": 1, "m": 38416}),
         ("shift ({dy}, {dx}): {a} of all {b}", {"dy": -3, "dx": 0, "a": 1234567, "b": 7}),
         ("{name} has {k:channel}", {"name": "BN after conv 1", "k": 0}),
         ("no placeholders", {})]


@needs_node
def test_python_and_the_page_fill_sentences_alike():
    out = run_base("return payload.map(([t, v]) => d2lFill(t, v));", CASES)
    assert out == [fill(t, v) for t, v in CASES] == [
        "1 weight of 38,416 pixels", "shift (-3, 0): 1,234,567 of all 7",
        "BN after conv 1 has 0 channels", "no placeholders"]


def test_fill_names_a_missing_value():
    with pytest.raises(KeyError, match=facts("units")):
        fill("{units}", {"unit": 1})


# ---------------------------------------------------------------- legible digits

def contrast(a, b):
    def lum(rgb):
        lin = [c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4
               for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    la, lb = sorted((lum(a), lum(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@needs_node
def test_digits_take_the_ink_that_contrasts_most_with_their_cell():
    out = run_base("""
        const colours = [];
        for (let v = -1; v <= 1.0001; v += 0.05) colours.push(d2lDiverging(v, 1), d2lGrey(v, -1, 1));
        colours.push("#ff9800", "#e8eef7", "rgb(225,205,235)");
        return colours.map((c) => [c, d2lInk(c)]);""", {})
    for css, ink in out:
        rgb = (tuple(int(css[i:i + 2], 16) for i in (1, 3, 5)) if css.startswith("#")
               else tuple(map(int, css[4:-1].split(","))))
        mine = (0, 0, 0) if ink == "#000" else (255, 255, 255)
        other = (255, 255, 255) if ink == "#000" else (0, 0, 0)
        assert contrast(rgb, mine) >= max(contrast(rgb, other), 4.5), (css, ink)


@needs_node
def test_max_abs_and_group():
    out = run_base("return [d2lMaxAbs([[1, -3], [2, 0]]), d2lMaxAbs([]), d2lGroup(38416), "
                       "d2lGroup(-1234567), d2lGroup(12)];", {})
    assert out == [3, 0, "38,416", "-1,234,567", "12"]
