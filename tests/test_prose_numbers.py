"""Every measured number the prose quotes is backed by an output of its own page.

The notebooks' text says things like "the dense layers hold 92.0 % of the
46.8 million parameters" or "ResNet-18 reaches 0.763". Such a number must be
what the code printed, so this test reads each chapter's markdown, finds the
numbers that carry a unit or look like a measurement (percentages, sizes,
counts, accuracies, ratios), and looks for each among the numbers in the
page's outputs, allowing for rounding ("46.8 million" is backed by an output
of 46,764,746) and for the settings written in its code (a learning rate of
0.05). What remains are numbers quoted from elsewhere (d2l's published
accuracies, a paper); each is listed below with its source, so a new number
in the text is either printed by the code or added here on purpose.
"""
import json
import math
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "chapters").glob("ch*/*.ipynb"))

# A number, then a unit that makes it a measurement.
UNITS = {"%": 0.01, " %": 0.01, " per cent": 0.01, "×": 1, " times": 1, "x": 1,
         " thousand": 1e3, " million": 1e6, " billion": 1e9, " MB": 1e6, " GB": 1e9,
         " GMACs": 1e9, " MMACs": 1e6, " M MACs": 1e6, " MACs": 1, " parameters": 1,
         " seconds": 1, " s": 1, " minutes": 1, " ms": 1e-3, " images": 1}
NUMBER = r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
MEASURED = re.compile(NUMBER + "(" + "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
                      + r")(?![\w])")
ACCURACY = re.compile(r"(?<![\w.\d])(0\.\d{2,4})(?![\d]|\.\d)")   # not a version, 0.17.5
ANY_NUMBER = re.compile(r"(?<![\w.])-?(\d{1,3}(?:,\d{3})+|\d+(?:_\d{3})+|\d+(?:\.\d+)?(?:e-?\d+)?)")

# Quoted from elsewhere, not measured on the page: (notebook stem, number as written) -> source.
QUOTED = {
    ("7_3_padding_and_strides", "0.125 ms"): "1 / 8 kHz, worked out in the sentence",
    ("7_3_padding_and_strides", "0.0625 ms"): "1 / 16 kHz, worked out in the sentence",
    ("7_4_channels", "53 billion"): "d2l §7.4's own words, which the page checks (26.8 billion MACs)",
    ("7_6_lenet", "60,000 images"): "the size of Fashion-MNIST's training set",
    ("7_6_lenet", "78.9%"): "what d2l 0.17.5 printed for LeNet",
    ("7_6_lenet", "99%"): "LeNet on MNIST, LeCun et al. (1998)",
    ("7_6_lenet", "0.95%"): "the error rate LeCun et al. (1998) reported",
    ("8_1_alexnet", "1.2 million"): "ImageNet's training set (ILSVRC 2012)",
    ("8_1_alexnet", "600,000 images"): "d2l's 10 epochs of 60,000 images, as the sentence says",
    ("8_2_vgg", "11.7 million"): "ResNet-18 on ImageNet (He et al., 2016)",
    ("8_2_vgg", "1.8 GMACs"): "ResNet-18 on ImageNet (He et al., 2016)",
    ("8_3_nin", "2,510 parameters"): "10 x (10 x 5 x 5) + 10, the layer the sentence describes",
    ("8_4_googlenet", "103 million"): "25,088 x 4,096, worked out in the sentence",
    ("8_5_batch_norm", "0.99"): "the default momentum of Keras' BatchNormalization",
    ("8_6_resnet", "70 thousand"): "256·64 + 9·64² + 64·256, worked out in the sentence",
}


def numbers_in(text):
    return [float(re.sub("[,_]", "", m.group(1))) for m in ANY_NUMBER.finditer(text)]


def page(path):
    nb = json.loads(path.read_text())
    prose, outputs, code = [], [], []
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            prose.append(re.sub(r"```.*?```|`[^`]*`|\$[^$]*\$", " ", source, flags=re.S))
        elif cell["cell_type"] == "code":
            code.append(source)
            for out in cell.get("outputs", []):
                if out["output_type"] == "stream":
                    outputs.append("".join(out["text"]))
                elif "text/plain" in out.get("data", {}):
                    outputs.append("".join(out["data"]["text/plain"]))
    return "\n".join(prose), numbers_in("\n".join(outputs)), numbers_in("\n".join(code))


def rounded_like(value, text):
    """`value` rounded the way `text` is written: to its decimals, or for a whole number
    such as 760 or 2,250 to its significant digits (the trailing zeros are rounding)."""
    digits = text.replace(",", "")
    if "." in digits:
        return round(value, len(digits.split(".")[1]))
    significant = max(2, len(digits.rstrip("0")))   # "60,000" means 60,000 +- 500, not 55,000-65,000
    return round(value, significant - len(digits))


def backed(text, scale, printed, written):
    """Is `text` (a number quoted at `scale`) a printed number, rounded as quoted, or a
    setting written in the code?"""
    value = float(text.replace(",", ""))
    if value in written:
        return True
    return any(math.isclose(rounded_like(candidate / s, text), value, rel_tol=1e-9, abs_tol=1e-12)
               for candidate in printed for s in {scale, 1})


def unbacked(path):
    prose, printed, written = page(path)
    found = []
    for match in MEASURED.finditer(prose):
        if not backed(match.group(1), UNITS[match.group(2)], printed, written):
            found.append(match.group(0))
    with_unit = {m.start(1) for m in MEASURED.finditer(prose)}
    for match in ACCURACY.finditer(prose):
        if match.start(1) not in with_unit and not backed(match.group(1), 1, printed, written):
            found.append(match.group(0))
    return [n for n in found if (path.stem, n) not in QUOTED]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_measured_number_in_the_prose_is_printed_by_the_page(path):
    assert unbacked(path) == [], (
        f"{path.name}: these numbers in the text are not in any output of the page; "
        f"print them from the code (or, if quoted from d2l or a paper, list them in QUOTED)")


def test_quoted_numbers_are_still_in_the_text():
    for (stem, number), source in QUOTED.items():
        (path,) = [p for p in NOTEBOOKS if p.stem == stem]
        prose = page(path)[0]
        assert number in prose, f"{stem}: {number!r} ({source}) is no longer quoted; drop it"
