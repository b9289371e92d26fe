"""Every number the prose states as a measurement is printed by a cell near it.

The book promises that every number on a page was printed by the code above
it. This test holds each chapter's text to that, sentence by sentence.

Where. A page is cut into subsections at its ``##``/``###``/``####`` headings
and at each "Solution to exercise N". A number is backed only by the outputs of
the code cells of its own subsection and of those its sentence points to: a
figure ("Figure 8.1.2": where its caption is), an exercise ("exercise 3": its
solution), a numbered subsection of the page ("Section 8.1.3", "8.1.3", with
the unnumbered ones under it), or "above" (every subsection before). A summary
restates its page and may use any output of it.

What. These are claims (code spans and formulas are not prose, but "$3 \\times 3$"
reads as 3×3):

* a number with a unit of measurement: 12.7 MB, 92.0 %, 46.8 million, 0.94 GMACs,
  61,706 parameters, 11 s;
* an accuracy, 0.811, or a decade of them, "the mid 0.8s" (a decimal after "learning
  rate", "lr" or "momentum" is a setting, backed like a count of settings);
* a multiple or a fraction: 9.7×, "four times", "roughly a hundred times", "twice as",
  "a third of", "half of";
* a range of accuracies or percentages: 0.6–0.7, 73–75%;
* a count: a whole number (digits, or a word from "two" to "twenty") followed,
  within two describing words, by a countable noun: "five layers", "67 pixels";
* a pooling window: "3×3 max pooling".

What backs it.

* A printed number rounded the way the text writes it: "46.8 million" is backed by
  46,764,746 and "about 12 MB" is not backed by 12.7; at the unit's scale or as
  printed (0.923 and 92.3 % both back "92 %"). A bound ("under 0.5", "more than 2
  million") by a printed number on its side within a factor of 2. A decade by a
  printed accuracy in it.
* A multiple or a fraction only by a printed ratio ("9.7x", "2,252x", "31%") that
  rounds to it ("a third": 3.2x or 31 %), never by a plain printed 8 or 10.
* A range by an output line whose numbers near the range all lie inside it.
* A count of what settings choose (epochs, steps, images, pixels, channels, kernels,
  ...) by a printed number or a literal in the page's code. A count of a network's
  parts (layers, blocks, stages, branches, convolutions, ...) by an output that prints
  it with its noun ("21 layers") or, for convolutions and dense, pooling, batch-norm,
  Inception and residual layers, by a code cell of the page that builds that many.
  A count that is the product of a shape in the sentence ("a 5×5 kernel, 25 weights").
* A pooling window by a pooling call near it, or, if no code near it pools, anywhere
  on the page.
* Arithmetic written out just before it: "4 × 2 × 2 = 16", "48,120 / 61,706 ≈ 78%".
* An accuracy of a training run the book records (results/runs/, ``d2lmini.book.runs``), of
  a model the sentence names or else of the page's own.
* A number quoted from d2l by the registry ``d2lmini.models.BOOK``, for a model the
  sentence names (or else the page's own); where that release trained with other
  settings than this book's full budget (d2l 1.0.3's), the sentence names them ("lr
  0.1", "batch size 256"). Numbers from papers and data sets by
  ``d2lmini.book.FACTS``.

Code literals never back a measurement: ``quick=0.55`` does not back "ended at 0.550".
WORKED_OUT lists the few numbers a sentence derives in words, each with its
derivation. Every other number the rules do not back fails the test.
"""
import functools
import json
import re
from dataclasses import dataclass, field

import pytest

from d2lmini import book
from d2lmini.models import BOOK

NOTEBOOKS = book.notebooks()
RECORDED = book.runs()

# ------------------------------------------------------------------------- the words of a claim

WORD_NUMBERS = {w: n for n, w in enumerate(
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split(), start=2)}
MULTIPLE_WORDS = {**WORD_NUMBERS, "a hundred": 100, "a thousand": 1000}
FRACTIONS = {"half": 2, "a third": 3, "a quarter": 4, "a fifth": 5, "a sixth": 6,
             "an eighth": 8, "a tenth": 10}
UNITS = {"%": 0.01, " %": 0.01, " per cent": 0.01, " percent": 0.01,
         " thousand": 1e3, " million": 1e6, " billion": 1e9, " kB": 1e3, " MB": 1e6,
         " GB": 1e9, " GMACs": 1e9, " G MACs": 1e9, " MMACs": 1e6, " M MACs": 1e6,
         " MACs": 1, " multiply-accumulates": 1, " parameters": 1, " weights": 1,
         " seconds": 1, " s": 1, " minutes": 60, " ms": 1e-3}
# How outputs print a number in each unit ("12.7 MB", "895.1 M MACs"): a printed 12 does not
# back "12 MB", a printed 12.7 MB or 12,700,000 does.
AS_PRINTED = {"%": "%", " %": "%", " per cent": "%", " percent": "%", " thousand": "k|K|thousand",
              " million": "M|million", " billion": "G|B|billion", " kB": "kB|KB", " MB": "MB",
              " GB": "GB", " GMACs": "G|GMACs", " G MACs": "G|GMACs", " MMACs": "M|MMACs",
              " M MACs": "M|MMACs", " seconds": "s|seconds", " s": "s|seconds",
              " minutes": "min|minutes", " ms": "ms"}
# A network's parts: how many it has is a fact about the model that the page must show.
PARTS = "layers? blocks? stages? branches? convolutions? poolings? modules?"
# What settings choose: the code that sets them may back the count.
SETTINGS = ("epochs? steps? images? examples? pixels? channels? kernels? rows? columns? classes? "
            "windows? values? outputs? inputs? units? numbers?")
# The calls that build each kind of part, for counting them in a code cell.
BUILDS = {r"conv": r"\b(?:Lazy)?Conv[123]d\(",
          r"dense|fully connected|linear": r"\b(?:Lazy)?Linear\(",
          r"max[- ]pool": r"\bMaxPool2d\(", r"average[- ]pool": r"\bAvgPool2d\(",
          r"batch[- ]norm": r"\b(?:Lazy)?BatchNorm[12]d\(", r"Inception": r"\bInception\(",
          r"residual": r"\bResidual\("}
# A fraction of these is a measurement ("a quarter of the work"); of data, channels or a
# resolution it is a setting ("a third of the resolution"), which the test leaves alone.
MEASURED_NOUNS = (r"(?:parameters|weights|arithmetic|MACs|multiply-accumulates|work|computation|"
                  r"cost|memory|time|outputs|values|pixels|error)\b")
# Words that do not describe the noun after them ("two a layer" is no count of layers).
NOT_DESCRIBING = r"(?:a|an|the|of|in|on|to|and|or|for|per|with|when|at|by|than|as|is|are|that)"

DIGITS = r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?"
WHOLE = r"\d{1,3}(?:,\d{3})+|\d+"
STANDS_ALONE = r"(?<![\w.,×·/^§–-])(?<!× )"       # not the 1 of "8.1", "§7", "3×3", "10^6"
ENDS = r"(?![\w×]|\.\d|,\d| ×)"
BELOW = r"(?:fewer than|less than|under|below|at most)"
ABOVE = r"(?:more than|over|above|at least|exceeds)"
BOUND = rf"(?:(?:well |just )?(?P<below>{BELOW})|(?:well |just )?(?P<above>{ABOVE})) "


def one_of(words):
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


CLAIMS = {   # kind -> pattern; where two overlap, the earlier kind takes the text
    "range": re.compile(rf"{STANDS_ALONE}(?P<lo>\d+(?:\.\d+)?)–(?P<hi>\d+(?:\.\d+)?)"
                        rf"(?P<unit>%|×)?{ENDS}"),
    "pooling": re.compile(r"(?P<k>\d+)×(?P=k)(?: max| average)?[- ](?:pool|max-pool)", re.I),
    "decade": re.compile(r"(?:(?P<part>low|mid|high|upper) |the )0\.(?P<tenth>\d)0?s\b"),
    "fraction": re.compile(rf"(?<![\w-])(?P<frac>{one_of(FRACTIONS)}) (?:of )?"
                           rf"(?:the |its |their |all )?(?:[\w-]+'s )?{MEASURED_NOUNS}", re.I),
    "multiple": re.compile(rf"(?:{BOUND})?(?<![\w.,-])(?P<num>(?i:{one_of(MULTIPLE_WORDS)})|"
                           rf"{DIGITS})(?: times|×|x)(?![\w])|"
                           rf"(?<![\w-])(?P<twice>twice)(?= as| the\b)", re.I),
    "measured": re.compile(rf"(?:{BOUND})?{STANDS_ALONE}(?P<num>{DIGITS})"
                           rf"(?P<unit>{one_of(UNITS)})(?![\w])"),
    "accuracy": re.compile(rf"(?:{BOUND})?(?<![\w.\d–-])(?P<num>0\.\d{{2,4}}){ENDS}"),
    "count": re.compile(rf"(?:{BOUND})?{STANDS_ALONE}"
                        rf"(?P<num>{WHOLE}|(?i:{one_of(WORD_NUMBERS)})){ENDS}"
                        rf" (?P<describing>(?:(?!{NOT_DESCRIBING} )[A-Za-z][\w-]* ){{0,2}})"
                        rf"(?P<noun>(?i:{'|'.join((PARTS + ' ' + SETTINGS).split())}))(?![\w-])"),
}
LIST_BEFORE = rf"(?:\d|\b(?:{one_of(WORD_NUMBERS)})),? (?:and |or |to )?$"
IS_PART = re.compile(rf"^(?:{'|'.join(PARTS.split())})$", re.I)
SETTING_BEFORE = re.compile(r"(?:\brates?|\blr|momentum|dropout|probability|SGD with)\b"
                            r"(?:(?!\. )[^;:()]){0,50}$", re.I)
RATIO = re.compile(rf"(?<![\w.])(?:({DIGITS})\s?(x|×| times|-fold|%)|(\d+)/(\d+))(?![\w/])")

# ------------------------------------------------------------------- a page and its subsections


@dataclass
class Subsection:
    title: str
    prose: list = field(default_factory=list)     # (cell index, text)
    outputs: list = field(default_factory=list)   # output texts
    code: list = field(default_factory=list)      # cell sources


STARTS = re.compile(r"^(?:#{1,4} .*|:::\{admonition\} .*)$", re.M)


def as_prose(markdown):
    """A markdown cell's sentences: no code, no formulas (but "$3 \\times 3$" is 3×3), no
    headings, one line per paragraph or list item, a link's words without its address."""
    text = re.sub(r"```.*?```|`[^`]*`", " ", markdown, flags=re.S)
    text = re.sub(r"\$(\d+) \\times (\d+)\$", r"\1×\2", text)
    text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", " ", text, flags=re.S)
    text = re.sub(r"^#{1,4} .*$", "", text, flags=re.M)
    text = re.sub(r"(?<!\n)\n(?!\n|\s*(?:[*|-]|\d+\.) )", " ", text)    # lines of one paragraph
    return re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)


def outputs_of(cell):
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            yield "".join(out["text"])
        elif "text/plain" in out.get("data", {}):
            yield "".join(out["data"]["text/plain"])


@functools.lru_cache(maxsize=None)
def read_page(path):
    subsections = [Subsection("")]
    for index, cell in enumerate(json.loads(path.read_text())["cells"]):
        source = "".join(cell["source"])
        if cell["cell_type"] == "code":
            subsections[-1].code.append(source)
            subsections[-1].outputs += list(outputs_of(cell))
            continue
        cuts = [m.start() for m in STARTS.finditer(source)]
        starts = sorted({0, *cuts})
        for start, end in zip(starts, starts[1:] + [len(source)]):
            if start in cuts:
                subsections.append(Subsection(source[start:end].splitlines()[0].lstrip("#: ")))
            subsections[-1].prose.append((index, as_prose(source[start:end])))
    return tuple(subsections)


def scope(subsections, i, sentence, section):
    """The subsections whose outputs may back a number of subsection `i`'s `sentence`."""
    if re.match(r"[\d.]*\s*Summary", subsections[i].title):
        return frozenset(range(len(subsections)))
    found = {i}
    for number in re.findall(r"Figure (\d+\.\d+\.\d+)", sentence):
        found |= {j for j, s in enumerate(subsections)
                  if any(f"**Figure {number}**" in text for _, text in s.prose)}
    for number in re.findall(r"[Ee]xercises? (\d+)", sentence):
        found |= {j for j, s in enumerate(subsections)
                  if re.search(rf"Solution to exercise {number}\b", s.title)}
    for number in re.findall(rf"(?<![\d.])({re.escape(section)}\.\d+)(?![\d.])", sentence):
        for j, s in enumerate(subsections):
            if s.title.startswith(number + " "):   # with the unnumbered ones under it
                found.add(j)
                for later in subsections[j + 1:]:
                    if re.match(r"\d|Solution", later.title):
                        break
                    found.add(subsections.index(later))
    if re.search(r"\babove\b", sentence):
        found |= set(range(i))
    return frozenset(found)


# ------------------------------------------------------------------------ what backs a claim

PRINTED = re.compile(rf"(?<![\w.])-?(\d+(?:\.\d+)?e-?\d+|{DIGITS})(?![\w.]\d)|"
                     rf"\b({one_of(WORD_NUMBERS)})\b", re.I)


def printed_numbers(text):
    return {float(m.group(1).replace(",", "")) if m.group(1) else WORD_NUMBERS[m.group(2).lower()]
            for m in PRINTED.finditer(text)}


def printed_in(text, unit):
    """The numbers `text` prints followed by `unit` ("12.7 MB": 12.7 for " MB")."""
    return {float(n.replace(",", "")) for n in
            re.findall(rf"(?<![\w.])({DIGITS})\s?(?:{AS_PRINTED[unit]})(?![A-Za-z])", text)}


def printed_ratios(text):
    """The numbers printed as ratios or shares: "9.7x", "2,252x", "31%" (as 0.31), "15/30"."""
    return {float(number.replace(",", "")) / (100 if unit == "%" else 1) if number
            else int(part) / int(whole)
            for number, unit, part, whole in RATIO.findall(text) if number or int(whole)}


def value_of(written):
    word = written.lower()
    return float(MULTIPLE_WORDS.get(word) or word.replace(",", ""))


def rounded_like(value, written):
    """`value` rounded as `written` is: to its decimals, or for a whole number such as 760
    or 2,250 to its significant digits (its trailing zeros are rounding; "a hundred" and
    "60,000" have two)."""
    digits = f"{value_of(written):.0f}" if not written[0].isdigit() else written.replace(",", "")
    if "." in digits:
        return round(value, len(digits.split(".")[1]))
    significant = max(2, len(digits.rstrip("0"))) if len(digits) > 1 else 1
    return round(value, significant - len(digits))


def backs(printed, written, scale=1, match=None, as_printed=None):
    """Does a number of `printed` (counted in units of 1) or of `as_printed` (printed in the
    claim's own unit) back `written` (a number at `scale`), within the bound that `match` puts
    before it?"""
    value = value_of(written)
    bound = match.groupdict() if match else {}
    below, above = bound.get("below"), bound.get("above")
    candidates = {number / scale for number in printed} | set(as_printed or ())
    if as_printed is None:
        candidates |= set(printed)
    for candidate in candidates:
        if below and value / 2 <= candidate <= value or above and value <= candidate <= 2 * value:
            return True
        if abs(rounded_like(candidate, written) - value) <= 1e-9 * max(1, value):
            return True
    return False


def backs_range(match, lines):
    lo, hi = float(match["lo"]), float(match["hi"])
    for line in lines:
        for scale in ([0.01, 1] if match["unit"] == "%" else [1]):
            near = [n / scale for n in printed_numbers(line) if lo / 2 <= n / scale <= 2 * hi]
            if near and all(lo <= n <= hi for n in near):
                return True
    return False


def pooling_windows(code):
    """The window sizes of the pooling calls in `code`."""
    windows = set()
    calls = r"(?:[Pp]ool2d|max_pool2d|avg_pool2d)\(([^()]*(?:\([^()]*\)[^()]*)*)\)"
    for args in re.findall(calls, code):
        sized = re.search(r"(?:kernel_size|pool_size)\s*=\s*\(?(\d+)", args)
        first = re.search(r"(?<![\w.])(\d+)", args)
        windows |= {int(found.group(1)) for found in (sized or first,) if found}
    return windows


def parts_built(code, describing):
    """How many parts of the kind `describing` names ("dense layers", "max-pooling layers")
    the code builds, or None for a kind no call names ("layers", "stages")."""
    for kind, call in BUILDS.items():
        if re.search(kind, describing, re.I):
            return len(re.findall(call, code))
    return None


TERM = rf"[(]*(?:{DIGITS})[²³]?[)]*"
ARITHMETIC = re.compile(rf"(?<![\w.,·×/-])({TERM}(?:\s*[·×*/÷+−-]\s*{TERM})+)\s*[=≈]\s*"
                        rf"(?:about |roughly )?$")


def worked_out(text, match):
    """The value of the arithmetic written just before the number ("4 × 2 × 2 = 16"), or None."""
    before = ARITHMETIC.search(text[max(0, match.start() - 120):match.start()])
    if not before:
        return None
    expression = before.group(1).replace(",", "")
    for sign, python in (("·", "*"), ("×", "*"), ("÷", "/"), ("−", "-"), ("²", "**2"),
                         ("³", "**3")):
        expression = expression.replace(sign, python)
    try:
        return float(eval(expression, {"__builtins__": {}}))   # digits and operators only
    except (SyntaxError, TypeError, ZeroDivisionError):
        return None


@dataclass(frozen=True)
class Near:
    """What the subsections in scope of a claim print and build, and the page's code."""
    printed: frozenset
    ratios: frozenset
    lines: tuple
    outputs: str
    code: str
    page_cells: tuple
    page_literals: frozenset


@functools.lru_cache(maxsize=None)
def page_code(path):
    cells = tuple(src for s in read_page(path) for src in s.code)
    return cells, frozenset(printed_numbers(re.sub(r"(?<=\d)_(?=\d{3})", "", "\n".join(cells))))


@functools.lru_cache(maxsize=None)
def near(path, in_scope):
    subsections = read_page(path)
    outputs = "\n".join(out for i in sorted(in_scope) for out in subsections[i].outputs)
    code = "\n".join(src for i in sorted(in_scope) for src in subsections[i].code)
    return Near(frozenset(printed_numbers(outputs)), frozenset(printed_ratios(outputs)),
                tuple(outputs.splitlines()), outputs, code, *page_code(path))


def backed_nearby(kind, match, n, sentence):
    if kind == "range":
        return backs_range(match, n.lines)
    if kind == "pooling":
        cells = [n.code] if pooling_windows(n.code) else n.page_cells
        windows = set().union(*map(pooling_windows, cells))
        return not windows or int(match["k"]) in windows
    if kind == "decade":
        low = int(match["tenth"]) / 10 + {"low": 0, "mid": 0.03, "high": 0.06, "upper": 0.05,
                                           None: 0}[match["part"]]
        width = 0.1 if match["part"] is None else 0.04
        return any(low <= v < low + width for v in n.printed)
    if kind == "fraction":
        k = FRACTIONS[match["frac"].lower()]
        return any(round(v) == k or round(1 / v) == k for v in n.ratios if v > 0)
    if kind == "multiple":
        return backs(n.ratios, "2" if match["twice"] else match["num"], 1, match)
    if kind == "measured":
        unit = match["unit"]
        return backs(n.printed, match["num"], UNITS[unit], match,
                     printed_in(n.outputs, unit) if unit in AS_PRINTED else None)
    if kind == "accuracy":
        return backs(n.printed, match["num"], 1, match)
    if kind == "setting":
        return backs(n.printed | n.page_literals, match["num"], 1, match)
    number, noun = value_of(match["num"]), match["noun"]
    if not IS_PART.match(noun):
        return backs(n.printed | n.page_literals, match["num"], 1, match)
    said = re.findall(rf"\b({WHOLE}|{one_of(WORD_NUMBERS)})\s+(?:[\w-]+\s+){{0,2}}?"
                      rf"{noun.rstrip('s')}", n.outputs, re.I)
    built = {parts_built(cell, match["describing"] + noun) for cell in n.page_cells}
    return number in {value_of(s) for s in said} | built


# ------------------------------------------------------------------- numbers quoted from elsewhere


def named_models(sentence):
    """The models of BOOK a sentence names ("GoogLeNet", "ResNet-18", "batch normalization")."""
    return [m for m in BOOK
            if re.search(rf"\b(?:{re.escape(m.topic)}|{re.escape(m.name.split()[0])})", sentence)]


def quoted_from_d2l(written, scale, sentence, models):
    """Is `written` an accuracy d2l published for one of `models` (those the sentence names,
    else the page's), quoted with the settings it came from where they differ from this book's
    full budget (d2l 1.0.3's)?"""
    for model in models:
        full = model.release("1.0.3")
        for published in model.published:
            if not backs({published.accuracy}, written, scale):
                continue
            lr = published.lr == full.lr or re.search(
                rf"(?:\blr|learning rate)\s+(?:of\s+)?{published.lr:g}\b", sentence)
            batch = published.batch_size == full.batch_size or re.search(
                rf"batch(?: size)?\s+(?:of\s+)?{published.batch_size}\b", sentence)
            if lr and batch:
                return True
    return False


def quoted(kind, match, sentence, section):
    """Is the number quoted from a paper or data set (FACTS), from a run the page records, or
    from d2l with its settings (BOOK)?"""
    if kind not in ("measured", "accuracy", "setting", "count"):
        return False
    scale = UNITS.get(match.groupdict().get("unit"), 1)
    facts = [f.value for f in book.FACTS if not f.sections or section in f.sections]
    models = named_models(sentence) or book.models_of(section)
    if kind in ("count", "setting"):      # d2l's settings: 10 epochs, lr 0.05
        of_epochs = (match.groupdict().get("noun") or "").lower().startswith("epoch")
        d2l = {m.epochs for m in BOOK} if of_epochs else set()
        if kind == "setting":
            d2l = {p.lr for m in models for p in m.published}
        return backs(facts, match["num"], 1, match) or value_of(match["num"]) in d2l
    recorded = [run[key] for run in RECORDED for key in ("val_acc", "train_acc")
                if (run["section"], run["model"]) in {(m.section, m.name) for m in models}]
    an_accuracy = kind == "accuracy" or re.search("accura", sentence)
    return (backs(facts, match["num"], scale)
            or (an_accuracy and backs(recorded, match["num"], scale))
            or quoted_from_d2l(match["num"], scale, sentence, models))


# ------------------------------------------------------------------------ the claims of a page


@dataclass
class Claim:
    text: str         # as written, e.g. "about 12 MB"
    cell: int
    sentence: str


def sentence_around(text, start, end):
    before = max(text.rfind(". ", 0, start), text.rfind("\n\n", 0, start),
                 text.rfind("\n* ", 0, start), text.rfind("|", 0, start))
    after = min([i for i in (text.find(". ", end), text.find("\n\n", end), text.find("|", end))
                 if i >= 0] or [len(text)])
    return " ".join(text[before + 1:after + 1].split())


def claims(subsections):
    """(kind, match, claim, subsection index, text) for every claim of a page."""
    for i, subsection in enumerate(subsections):
        for cell, text in subsection.prose:
            taken = []
            for kind, pattern in CLAIMS.items():
                for match in pattern.finditer(text):
                    if any(match.start() < end and start < match.end() for start, end in taken):
                        continue
                    taken.append(match.span())
                    if kind == "count" and re.fullmatch(r"(?:19|20)\d\d", match["num"]):
                        continue      # a year
                    if kind == "count" and re.search(LIST_BEFORE, text[:match.start()]):
                        continue      # the last of a list: "2, 2, 3, 3 and 3 convolutions"
                    if kind == "range" and not (match["unit"] or float(match["hi"]) < 1):
                        continue      # sections 8.1–8.4, rows 1–3
                    setting = kind == "accuracy" and SETTING_BEFORE.search(text[:match.start()])
                    yield ("setting" if setting else kind), match, Claim(
                        match.group(0), cell, sentence_around(text, *match.span())), i, text


def unbacked(path):
    """The claims of a notebook that nothing near them backs."""
    subsections = read_page(path)
    section = book.section_of(path)
    found = []
    for kind, match, claim, i, text in claims(subsections):
        n = near(path, scope(subsections, i, claim.sentence, section))
        scale = UNITS.get(match.groupdict().get("unit"), 1)
        derived = worked_out(text, match) if match.groupdict().get("num") else None
        shapes = {int(a) * int(b) for a, b in re.findall(r"(\d+)×(\d+)", claim.sentence)}
        if (backed_nearby(kind, match, n, claim.sentence)
                or (match.groupdict().get("num") and match["num"][0].isdigit()
                    and value_of(match["num"]) in shapes)     # "a 5×5 kernel: 25 weights"
                or quoted(kind, match, claim.sentence, section)
                or (derived is not None and backs({derived}, match["num"], scale))
                or claim.text in WORKED_OUT.get(path.stem, {})):
            continue
        found.append(claim)
    return found


# ------------------------------------------------------------------ what the text derives

# Numbers a sentence derives in words: notebook -> {number as written: the derivation}.
WORKED_OUT = {
    "7_3_padding_and_strides": {"0.125 ms": "1 / 8 kHz", "0.0625 ms": "1 / 16 kHz"},
    "7_4_channels": {"80 G MACs": "3 × the 26.8 G MACs of the forward pass printed in 7.4",
                     "three times": "forward + backward pass (two gradients), derived in 7.4"},
    "8_3_nin": {"2,510 parameters": "10·5·5 = 250 inputs × 10 logits + 10 biases"},
    "8_5_batch_norm": {"14%": "m / (m − 1) = 8 / 7 for a batch of 8"},
}

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_measured_number_in_the_prose_is_printed_nearby(path):
    found = unbacked(path)
    assert not found, f"{path.name}: no output near these numbers prints them:\n" + "\n".join(
        f"  cell {c.cell}: {c.text!r} in: {c.sentence}" for c in found) + (
        "\nPrint each from a cell of the same subsection, or point the sentence to the cell that "
        "does ('Figure 8.1.2', 'exercise 3', 'above'); write arithmetic out ('10 × 469 = 4,690'); "
        "a number quoted from d2l or a paper belongs in d2lmini.models.BOOK or d2lmini.book.FACTS.")


def test_worked_out_numbers_are_still_in_the_text():
    for stem, numbers in WORKED_OUT.items():
        (path,) = [p for p in NOTEBOOKS if p.stem == stem]
        prose = " ".join(text for s in read_page(path) for _, text in s.prose)
        for number in numbers:
            assert number in prose, f"{stem}: {number!r} is no longer in the text; drop it"


# ------------------------------------------------------------------- the rules, on small pages


def page(tmp_path, *cells, stem="9_1_demo"):
    """A notebook of markdown cells (str) and code cells ((source, printed text))."""
    def cell(c):
        if isinstance(c, str):
            return {"cell_type": "markdown", "source": c}
        return {"cell_type": "code", "source": c[0],
                "outputs": [{"output_type": "stream", "text": c[1]}]}
    path = tmp_path / f"{stem}.ipynb"
    path.write_text(json.dumps({"cells": [cell(c) for c in cells]}))
    return path


def flagged(path):
    return [c.text for c in unbacked(path)]


@pytest.mark.parametrize("cells, expected", [
    # a number printed in another subsection does not back it; in its own, it does
    ([("x", "weights: 12.7 MB\n"), "## 9.1.1 Next\nThe weights take 12.7 MB."], ["12.7 MB"]),
    (["## 9.1.1 Here\nThe weights take 12.7 MB.", ("x", "weights: 12.7 MB\n")], []),
    # ... nor does a literal of the code; rounded as written
    (["Training ended at 0.550.", ("cfg = dict(quick=0.55)", "val_acc 0.49\n")], ["0.550"]),
    (["It takes about 12 MB.", ("x", "12.7 MB and [12, 8]\n")], ["12 MB"]),
    # a multiple needs a printed ratio, not a plain 8
    (["About 8× less arithmetic.", ("x", "[8, 4, 2, 1]\n")], ["8×"]),
    (["About 9× less arithmetic.", ("x", "9.0x fewer MACs\n")], []),
    (["Roughly a hundred times smaller.", ("x", "ratio 180x\n")], ["a hundred times"]),
    (["It needs a third of the parameters.", ("x", "31%\n")], []),
    # counts: parts printed with their noun or built by a cell; settings written in the code
    (["It follows the five layers that change them:", ("x", "[224, 54, 26, 12, 5]\n")],
     ["five layers"]),
    (["It follows the six layers:", ("x", "6 layers: [224, 54, 26, 12, 5]\n")], []),
    (["AlexNet has five convolutions.", ("nn.LazyConv2d(1)\n" * 5, "")], []),
    (["It needs at least 67 pixels.", ("size = 65", "65\n")], ["at least 67 pixels"]),
    (["We train for 3 epochs.", ("fit(max_epochs=3)", "")], []),
    # arithmetic written out, right or wrong
    (["Then 4 × 2 × 2 = 16 convolutions.", "And 4 × 2 × 2 = 17 convolutions."],
     ["17 convolutions"]),
    # a range holds every value printed near it
    (["It reaches 0.6–0.7 at every rate.", ("x", "BN 0.67 0.72 0.68\n")], ["0.6–0.7"]),
    (["It reaches 0.6–0.7 at every rate.", ("x", "BN 0.67 0.63 0.68\n")], []),
    # a figure's pooling window is the one its code uses
    (["The figure shows the 3×3 max-pooled result.", ("d2l.pool2d(E, 2, stride=2)", "")],
     ["3×3 max-pool"]),
    # a sentence may point to the cells that print its number
    ([("x", "12.7 MB\n"), "**Figure 9.1.1** — Weights.",
      "## 9.1.2 Later\nFigure 9.1.1: 12.7 MB."], []),
    (["## 9.1.1 First", ("x", "12.7 MB\n"), "## 9.1.2 Then\nAs printed above, 12.7 MB."], []),
    (["## 9.1.1 First", ("x", "12.7 MB\n"), "## Summary\n* 12.7 MB of weights."], []),
])
def test_the_rules_back_what_is_printed_near_a_number(tmp_path, cells, expected):
    assert flagged(page(tmp_path, *cells)) == expected


def test_a_quoted_d2l_accuracy_needs_its_settings_where_they_differ(tmp_path):
    # GoogLeNet (8.4): d2l 0.17.5 printed 0.883 at lr 0.1; this book's full budget uses 0.01
    assert flagged(page(tmp_path, "d2l reports 0.88 for GoogLeNet.", stem="8_4_a")) == ["0.88"]
    assert flagged(page(tmp_path, "d2l 0.17.5 reports 0.883 at lr 0.1.", stem="8_4_b")) == []
    assert flagged(page(tmp_path, "Its curve ends near 0.80.", stem="8_4_c")) == []   # 1.0.3
