"""Put the JavaScript the HTML book loads into book_static/d2l/vendor/ (no CDNs).

    python scripts/fetch_widget_js.py          # fetch what is missing (idempotent)
    python scripts/fetch_widget_js.py --force  # fetch again

The HTML book must make no request off its own server, so instead of the CDN
copies that myst-nb (widgets) and Sphinx (MathJax) link by default,
_config.yml names files served from the book's `_static/`
(html_static_path: book_static):

* d2l/vendor/require.js   RequireJS, from the npm registry (`npm pack`)
* d2l/vendor/embed-amd.js @jupyter-widgets/html-manager 1.x, the embedder for
                          ipywidgets 8 state (widget protocol 2), from npm;
                          its Font Awesome 5 files go to d2l/vendor/html-manager/dist/
* d2l/vendor/anywidget.js anywidget's AMD module, copied from the installed Python
                          package (share/jupyter/nbextensions/anywidget), so it
                          always matches the anywidget that saved the widget state
* d2l/vendor/mathjax/     MathJax 3 (tex-mml-chtml.js and the parts it loads), from npm
* d2l/widgets-config.js   (tracked, not fetched) points RequireJS at the above

For tests/test_browser.py only, outside the book (never served to readers):

* node_modules/axe-core/axe.min.js  axe-core, which the test injects into every
                                    page to check it against WCAG 2.1 A and AA

Every npm tarball is checked against the integrity hash pinned below.
book_static/d2l/vendor/ and node_modules/ are git-ignored; scripts/setup.sh runs this script.
"""
import argparse
import hashlib
import json
import pathlib
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
VENDOR = ROOT / "book_static" / "d2l" / "vendor"
STAMP = VENDOR / "VERSIONS.json"
TEST_VENDOR = ROOT / "node_modules"
AXE = TEST_VENDOR / "axe-core" / "axe.min.js"

#: npm package -> (exact version, registry integrity of its tarball,
#:                 [(path or folder inside the package, destination under vendor/), ...])
NPM = {
    "requirejs": (
        "2.3.8",
        "sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw==",
        [("require.js", "require.js")]),
    "@jupyter-widgets/html-manager": (
        "1.0.15",
        "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
        [("dist/embed-amd.js", "embed-amd.js"),
         # fonts its CSS names, relative to the html-manager module (widgets-config.js)
         *[(f"dist/*{suffix}", "html-manager/dist/") for suffix in (".woff2", ".woff", ".ttf")]]),
    "mathjax": (
        "3.2.2",
        "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
        [("es5/tex-mml-chtml.js", "mathjax/tex-mml-chtml.js"),
         *[(f"es5/{folder}/", f"mathjax/{folder}/")
           for folder in ("input", "output", "ui", "a11y", "adaptors", "sre")]]),
}
#: For the browser test only: the same, copied into TEST_VENDOR (relative destinations).
TEST_NPM = {
    "axe-core": (
        "4.14.1",
        "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
        [("axe.min.js", "axe-core/axe.min.js")]),
}
#: Files that must exist for the vendor folders to count as complete.
REQUIRED = [VENDOR / name for name in
            ("require.js", "embed-amd.js", "anywidget.js", "mathjax/tex-mml-chtml.js")] + [AXE]


def anywidget_amd():
    """anywidget's AMD module (index.js) from the installed Python package, and its version."""
    import anywidget

    roots = [pathlib.Path(sys.prefix), pathlib.Path(sysconfig.get_path("data"))]
    try:
        from jupyter_core.paths import jupyter_path
        roots += [pathlib.Path(p).parent.parent for p in jupyter_path("nbextensions")]
    except ImportError:
        pass
    for root in roots:
        path = root / "share" / "jupyter" / "nbextensions" / "anywidget" / "index.js"
        if path.is_file():
            return path, anywidget.__version__
    raise SystemExit("fetch_widget_js: anywidget's nbextensions/anywidget/index.js was not found "
                     f"under {', '.join(map(str, roots))}; reinstall it: pip install anywidget")


def up_to_date(versions):
    if not STAMP.is_file():
        return False
    stamp = json.loads(STAMP.read_text())
    return (stamp.get("versions") == versions
            and all(path.is_file() for path in REQUIRED)
            and any((VENDOR / "html-manager" / "dist").glob("*.woff2")))


def _matches(name, source):
    if source.endswith("/"):
        return name.startswith(source)
    if source.startswith("dist/*"):
        return name.startswith("dist/") and "/" not in name[5:] and name.endswith(source[6:])
    return name == source


def _target(name, source, destination, into):
    if source.endswith("/"):
        return into / destination / name[len(source):]
    if destination.endswith("/"):
        return into / destination / pathlib.PurePosixPath(name).name
    return into / destination


def npm_fetch(package, version, integrity, members, into):
    """`npm pack` one package, check its integrity, copy ``members`` into the folder ``into``."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("fetch_widget_js: npm is needed to fetch the book's JavaScript "
                         "(apt-get install npm, or install Node.js)")
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run([npm, "pack", f"{package}@{version}", "--json", "--silent",
                                 "--pack-destination", tmp],
                                check=True, capture_output=True, text=True)
        info = json.loads(result.stdout)[0]
        if info["integrity"] != integrity:
            raise SystemExit(f"fetch_widget_js: {package}@{version} from the registry has "
                             f"integrity {info['integrity']}, expected {integrity}; not using it")
        copied = 0
        with tarfile.open(pathlib.Path(tmp) / info["filename"]) as tar:
            for member in tar.getmembers():
                if not member.isfile() or not member.name.startswith("package/"):
                    continue
                name = member.name[len("package/"):]
                for source, destination in members:
                    if _matches(name, source):
                        target = _target(name, source, destination, into)
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(tar.extractfile(member).read())
                        copied += 1
                        break
    if copied == 0:
        raise SystemExit(f"fetch_widget_js: nothing copied from {package}@{version}")
    return copied


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="fetch even if up to date")
    args = parser.parse_args()
    anywidget_path, anywidget_version = anywidget_amd()
    versions = {name: spec[0] for name, spec in (NPM | TEST_NPM).items()}
    versions["anywidget"] = anywidget_version
    if not args.force and up_to_date(versions):
        print(f"book JavaScript up to date in {VENDOR.relative_to(ROOT)}")
        return 0
    for folder in (VENDOR, *(TEST_VENDOR / name for name in TEST_NPM)):
        if folder.exists():
            shutil.rmtree(folder)
    VENDOR.mkdir(parents=True)
    files = {}
    for packages, into in ((NPM, VENDOR), (TEST_NPM, TEST_VENDOR)):
        for package, (version, integrity, members) in packages.items():
            files[package] = npm_fetch(package, version, integrity, members, into)
    shutil.copyfile(anywidget_path, VENDOR / "anywidget.js")
    sha = "sha256-" + hashlib.sha256(anywidget_path.read_bytes()).hexdigest()
    STAMP.write_text(json.dumps({"versions": versions, "files": files, "anywidget": sha},
                                indent=1) + "\n")
    print(f"fetched the book's JavaScript into {VENDOR.relative_to(ROOT)} (axe-core into "
          f"{TEST_VENDOR.relative_to(ROOT)}): "
          + ", ".join(f"{k} {v}" for k, v in versions.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
