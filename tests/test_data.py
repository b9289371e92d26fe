"""Tests for d2lmini.datafiles and d2lmini.data: finding, fetching, reading and
batching Fashion-MNIST.

Most tests use tiny IDX files written here, with `datafiles.SHA256` patched to
their digests; downloads come from an http.server on 127.0.0.1. Tests marked
`needs_debian` read the real files of the `dataset-fashion-mnist` package.
Bad arguments (to FashionMNIST, text_labels, TensorLoader) are in
test_bad_inputs.py (DATA); bad files, downloads and disks are here.
"""
import errno
import gzip
import http.server
import json
import math
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported anywhere: no display here

import pytest
import torch
from torch.nn import functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from d2lmini import data, datafiles
from d2lmini import settings as d2lmini_settings
from doubles import facts, fake_files, idx_bytes, sha256, write_files

REPO = Path(__file__).resolve().parent.parent
DEBIAN = Path(datafiles.DEBIAN_DIR)  # the real one, before any test patches it
NAMES = list(datafiles.SHA256)
needs_debian = pytest.mark.skipif(
    not all((DEBIAN / f"{name}.gz").is_file() for name in NAMES),
    reason="the dataset-fashion-mnist package is not installed",
)


# --- Fake data sets ---------------------------------------------------------


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """Keep every test away from the user's cache, $D2LMINI_DATA and the network."""
    monkeypatch.delenv(d2lmini_settings.DATA, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(datafiles, "DEBIAN_DIR", tmp_path / "debian")
    monkeypatch.setattr(datafiles, "URLS", ())


@pytest.fixture
def fake(monkeypatch):
    """A tiny data set whose digests replace the real ones."""
    files = fake_files()
    monkeypatch.setattr(datafiles, "SHA256", {name: sha256(raw) for name, raw in files.items()})
    return files


def cache(tmp_path):
    return tmp_path / "xdg" / "d2lmini" / "fashion-mnist"


# --- A local download server -------------------------------------------------


class Handler(http.server.BaseHTTPRequestHandler):
    """Serves server.files by name; server.mode chooses how to misbehave."""

    def do_GET(self):
        server = self.server
        name = self.path.rsplit("/", 1)[-1]
        server.requests.append(self.path)
        body = server.files.get(name)
        if body is None or server.mode == "404" or self.path.startswith("/missing/"):
            self.send_error(404)
            return
        if server.mode == "wrong":
            body = gzip.compress(b"these are not the bytes you are looking for")
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if server.mode == "die":
            self.wfile.write(body[: len(body) // 2])  # then hang up
            return
        if server.mode == "together":
            # Hold each file until both clients ask for it, so they overlap.
            server.barriers[name].wait(timeout=60)
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(fake, monkeypatch):
    """An HTTP server on 127.0.0.1 serving the fake files as NAME.gz."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.files = {f"{name}.gz": gzip.compress(raw) for name, raw in fake.items()}
    httpd.barriers = {name: threading.Barrier(2) for name in httpd.files}
    httpd.mode = "ok"
    httpd.requests = []
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    monkeypatch.setattr(datafiles, "URLS", (httpd.url,))
    yield httpd
    httpd.shutdown()
    httpd.server_close()


# --- Real Fashion-MNIST ------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    return data.FashionMNIST(root=DEBIAN, download=False, batch_size=256)


@needs_debian
def test_real_sizes_and_classes(real):
    assert real.source == DEBIAN
    assert real.train.data.shape == (60000, 28, 28) and real.train.data.dtype == torch.uint8
    assert real.val.data.shape == (10000, 28, 28)
    assert real.train.targets.dtype == torch.int64
    assert torch.bincount(real.train.targets).tolist() == [6000] * 10
    assert torch.bincount(real.val.targets).tolist() == [1000] * 10
    assert len(real.train) == 60000 and len(real.val) == 10000


@needs_debian
def test_real_files_are_found_without_help(real, monkeypatch):
    monkeypatch.setattr(datafiles, "DEBIAN_DIR", DEBIAN)
    assert data.fashion_mnist_dir(download=False) == DEBIAN


@needs_debian
def test_real_resized_batches():
    fmnist = data.FashionMNIST(batch_size=100, resize=(32, 32), root=DEBIAN, download=False)
    X, y = next(iter(fmnist.train_dataloader()))
    assert X.shape == (100, 1, 32, 32) and X.dtype == torch.float32
    assert 0 <= X.min() and X.max() <= 1
    assert y.shape == (100,) and y.dtype == torch.int64
    image, label = fmnist.val[3]
    assert image.shape == (1, 32, 32) and isinstance(label, int)


@needs_debian
def test_real_unresized_batch_is_raw_over_255(real):
    X, y = next(iter(real.val_dataloader()))
    assert torch.equal(X, real.val.data[:256].unsqueeze(1).float() / 255)
    assert torch.equal(y, real.val.targets[:256])
    assert torch.equal(real.val[0][0], X[0])


@needs_debian
def test_real_shuffle_is_reproducible_and_changes_per_epoch():
    first, second = (data.FashionMNIST(root=DEBIAN, download=False, batch_size=300,
                                       n_train=3000).train_dataloader() for _ in range(2))
    epoch1 = [y for _, y in first]
    assert all(torch.equal(a, b) for a, b in zip(epoch1, (y for _, y in second)))
    epoch2 = [y for _, y in first]
    assert not torch.equal(epoch1[0], epoch2[0])
    assert torch.equal(torch.cat(epoch1).sort().values, torch.cat(epoch2).sort().values)


@needs_debian
def test_real_number_of_batches(real):
    assert len(real.train_dataloader()) == math.ceil(60000 / 256) == 235
    assert len(real.val_dataloader()) == math.ceil(10000 / 256) == 40


@needs_debian
def test_real_subset(real):
    small = data.FashionMNIST(root=DEBIAN, download=False, n_train=1000, n_val=500)
    assert len(small.train) == 1000 and len(small.val) == 500
    assert torch.equal(small.train.data, real.train.data[:1000])
    assert len(torch.unique(small.train.targets)) == 10


@needs_debian
def test_real_visualize(real):
    import matplotlib.pyplot as plt

    batch = next(iter(real.val_dataloader()))
    axes = real.visualize(batch, nrows=2, ncols=4)
    assert len(axes) == 8
    assert [ax.get_title() for ax in axes] == real.text_labels(batch[1][:8])
    axes = real.visualize(batch, labels=["a", "b"])
    assert [ax.get_title() for ax in axes[:3]] == ["a", "b", ""]
    assert all(ax.images for ax in axes)
    plt.close("all")


# --- The module on fake data --------------------------------------------------


def test_fake_module_loads_and_batches(fake, tmp_path):
    root = write_files(tmp_path / "root", fake)
    fmnist = data.FashionMNIST(batch_size=5, resize=14, root=root)
    assert fmnist.source == root and fmnist.resize == (14, 14)
    assert len(fmnist.train) == 12 and len(fmnist.val) == 6
    batches = list(fmnist.val_dataloader())
    assert [len(y) for _, y in batches] == [5, 1]
    assert batches[0][0].shape == (5, 1, 14, 14)
    assert fmnist.num_classes == 10


def test_text_labels(fake, tmp_path):
    fmnist = data.FashionMNIST(root=write_files(tmp_path / "root", fake))
    assert fmnist.text_labels([0, 9]) == ["t-shirt", "ankle boot"]
    assert fmnist.text_labels(torch.tensor([1, 7])) == ["trouser", "sneaker"]
    assert len(set(fmnist.text_labels(range(10)))) == 10


# --- TensorLoader -------------------------------------------------------------


def numbered(n):
    """n images whose pixel [0, 0] holds their index, and labels = index % 10."""
    images = torch.zeros(n, 28, 28, dtype=torch.uint8)
    images[:, 0, 0] = torch.arange(n)
    return images, torch.arange(n) % 10


def indices(batches):
    return [int(i) for X, _ in batches for i in (X[:, 0, 0, 0] * 255).round()]


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 60), batch_size=st.integers(1, 70), shuffle=st.booleans(),
       seed=st.integers(0, 2**40))
def test_loader_visits_every_example_once(n, batch_size, shuffle, seed):
    loader = data.TensorLoader(*numbered(n), batch_size, shuffle=shuffle, seed=seed)
    batches = list(loader)
    assert len(batches) == len(loader) == math.ceil(n / batch_size)
    assert all(len(y) == batch_size for _, y in batches[:-1])
    seen = indices(batches)
    assert sorted(seen) == list(range(n))
    assert seen == sorted(seen) or shuffle
    for X, y in batches:  # each label still travels with its image
        assert torch.equal(y, (X[:, 0, 0, 0] * 255).round().long() % 10)


@pytest.mark.parametrize("resize, max_batches", [(None, None), (14, None), (40, 4), (None, 5)])
def test_batches_cut_in_chunks_equal_batches_cut_one_by_one(monkeypatch, resize, max_batches):
    images = torch.randint(0, 256, (53, 28, 28), dtype=torch.uint8)
    labels = torch.arange(53) % 10

    def epochs(batches_per_chunk):
        size = 28 if resize is None else resize
        monkeypatch.setattr(data, "CHUNK_BYTES", batches_per_chunk * 8 * size * size * 4)
        loader = data.TensorLoader(images, labels, 8, shuffle=True, seed=7, resize=resize,
                                   max_batches=max_batches)
        return [list(loader) for _ in range(2)]

    chunked, one_by_one = epochs(3), epochs(1)
    # the first two batches of a chunk are views of one tensor; alone, each has its own
    assert chunked[0][0][0].data_ptr() + chunked[0][0][0].nbytes == chunked[0][1][0].data_ptr()
    assert one_by_one[0][0][0].untyped_storage().data_ptr() != \
        one_by_one[0][1][0].untyped_storage().data_ptr()
    for epoch, epoch_alone in zip(chunked, one_by_one):
        assert len(epoch) == len(epoch_alone) == (max_batches or 7)
        for (X, y), (X_alone, y_alone) in zip(epoch, epoch_alone):
            assert torch.equal(X, X_alone) and torch.equal(y, y_alone)


def test_loader_seeding():
    images, labels = numbered(100)
    a = data.TensorLoader(images, labels, 10, shuffle=True, seed=3)
    b = data.TensorLoader(images, labels, 10, shuffle=True, seed=3)
    c = data.TensorLoader(images, labels, 10, shuffle=True, seed=4)
    a1, a2 = indices(a), indices(a)
    assert a1 == indices(b) and a2 == indices(b)
    assert a1 != a2 and a1 != indices(c)


def test_loader_resizes_whole_batches_into_unit_range():
    images = torch.randint(0, 256, (9, 28, 28), dtype=torch.uint8)
    for size in [(56, 40), (7, 7), 224]:
        X, y = next(iter(data.TensorLoader(images, torch.zeros(9), 9, resize=size)))
        expected = (size, size) if isinstance(size, int) else size
        assert X.shape == (9, 1, *expected) and y.dtype == torch.int64
        assert 0 <= X.min() and X.max() <= 1


@pytest.mark.parametrize("size", [(28, 28), (96, 96), (224, 224), (227, 113), (14, 14), (20, 40)])
def test_resizing_matches_antialiased_bilinear(size):
    # Antialiasing is switched on only when shrinking; enlarging must give
    # the same numbers as torchvision-style antialiased resizing anyway.
    images = torch.randint(0, 256, (4, 28, 28), dtype=torch.uint8)
    X, _ = next(iter(data.TensorLoader(images, torch.zeros(4), 4, resize=size)))
    expected = F.interpolate(images.unsqueeze(1).float() / 255, size=size, mode="bilinear",
                             align_corners=False, antialias=True).clamp(0, 1)
    assert X.shape == expected.shape
    assert torch.allclose(X, expected, atol=2e-6, rtol=0)


def test_loader_moved_to_a_device_gives_the_same_batches():
    images, labels = numbered(50)
    loader = data.TensorLoader(images, labels, 8, shuffle=True, seed=5, resize=40)
    first = list(loader)  # epoch 0 of the original
    moved = loader.to("cpu")
    assert moved is not loader and moved.epoch == loader.epoch == 1
    for (X, y), (X2, y2) in zip(list(loader), list(moved)):  # both now at epoch 1
        assert torch.equal(X, X2) and torch.equal(y, y2)
    assert indices(first) != indices(moved)  # epoch 2 differs from epoch 0


def test_loader_on_another_device_cuts_batches_there():
    # "meta" tensors have shapes but no data: enough to show that indexing,
    # conversion and resizing all happen on the loader's device.
    loader = data.TensorLoader(*numbered(20), 8, shuffle=True, resize=32).to("meta")
    batches = list(loader)
    assert [X.shape for X, _ in batches] == [(8, 1, 32, 32), (8, 1, 32, 32), (4, 1, 32, 32)]
    assert all(X.device.type == "meta" and y.device.type == "meta" for X, y in batches)


# --- read_idx and damaged files ----------------------------------------------


@pytest.mark.parametrize("gz", [True, False])
def test_read_idx_round_trip(tmp_path, gz):
    files = fake_files()
    write_files(tmp_path, files, gz=gz)
    suffix = ".gz" if gz else ""
    images = data.read_idx(tmp_path / f"train-images-idx3-ubyte{suffix}")
    labels = data.read_idx(tmp_path / f"train-labels-idx1-ubyte{suffix}")
    assert images.shape == (12, 28, 28) and images.dtype == torch.uint8
    assert images[:, 0, 0].tolist() == list(range(12))
    assert labels.tolist() == [i % 10 for i in range(12)]


GOOD = idx_bytes(torch.zeros(2, 3, 4, dtype=torch.uint8))


@pytest.mark.parametrize("content, problem", [
    (b"\x00\x00\x08\x02" + GOOD[4:], ["magic number", "0x00000802", "0x00000803"]),
    (GOOD[:-5], ["truncated", "(2, 3, 4)", "40 bytes", "35"]),
    (GOOD[:10], ["truncated", "16-byte header", "10"]),
    (b"", ["truncated", "magic number", "0"]),
    (GOOD + b"extra", ["mismatch", "(2, 3, 4)", "40 bytes", "45"]),
])
def test_damaged_idx_files(tmp_path, content, problem):
    path = tmp_path / "broken-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(content))
    with pytest.raises(data.DataError, match=facts(str(path), *problem, "Delete", str(path))):
        data.read_idx(path)


# ids: the bytes would be the test's name, and gzip's header holds the time,
# so pytest-xdist's workers would collect differently named tests.
@pytest.mark.parametrize("content", [b"not gzip at all", gzip.compress(GOOD, mtime=0)[:-12]],
                         ids=["not-gzip", "truncated-gzip"])
def test_corrupt_gzip(tmp_path, content):
    path = tmp_path / "broken-idx3-ubyte.gz"
    path.write_bytes(content)
    with pytest.raises(data.DataError, match=facts(str(path), "corrupt gzip", "Delete", str(path))):
        data.read_idx(path)


def test_missing_idx_file(tmp_path):
    with pytest.raises(data.DataError, match=facts(str(tmp_path / "nothing.gz"), "does not exist", "check the path")):
        data.read_idx(tmp_path / "nothing.gz")


def test_damaged_package_file_says_reinstall(tmp_path):
    path = write_files(datafiles.DEBIAN_DIR, {"x": GOOD[:-1]}) / "x.gz"
    with pytest.raises(data.DataError, match=facts(str(path), "apt install --reinstall",
                                                   "dataset-fashion-mnist")):
        data.read_idx(path)


def test_wrong_digest_names_file_and_digests(fake, tmp_path, monkeypatch):
    root = write_files(tmp_path / "root", fake)
    monkeypatch.setitem(datafiles.SHA256, "t10k-labels-idx1-ubyte", "0" * 64)
    with pytest.raises(data.DataError, match=facts(
            str(root / "t10k-labels-idx1-ubyte.gz"), "SHA-256",
            sha256(fake["t10k-labels-idx1-ubyte"]), "0" * 64, "Delete")):
        data.fashion_mnist_dir(root)


def test_corrupt_gzip_found_while_verifying(fake, tmp_path):
    root = write_files(tmp_path / "root", fake)
    (root / "train-labels-idx1-ubyte.gz").write_bytes(b"garbage")
    with pytest.raises(data.DataError, match=facts(str(root / "train-labels-idx1-ubyte.gz"),
                                                   "corrupt gzip")):
        data.fashion_mnist_dir(root, download=False)


def test_digests_are_cached_per_file_version(fake, tmp_path, monkeypatch):
    root = write_files(tmp_path / "root", fake)
    calls = []
    real_read = datafiles._read_bytes
    monkeypatch.setattr(datafiles, "_read_bytes", lambda *args: calls.append(args) or real_read(*args))
    data.fashion_mnist_dir(root)
    data.fashion_mnist_dir(root)
    assert len(calls) == 4
    # Loading reuses the bytes read for verification: each file is decompressed once.
    data.read_idx(root / "t10k-images-idx3-ubyte.gz")
    assert len(calls) == 4
    data.read_idx(root / "t10k-images-idx3-ubyte.gz")  # handed over once, then read again
    assert len(calls) == 5
    # A rewritten file is a new version: hashed again, and the damage is caught.
    (root / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(GOOD))
    with pytest.raises(data.DataError, match=facts(str(root / "t10k-images-idx3-ubyte.gz"),
                                                   "SHA-256")):
        data.fashion_mnist_dir(root)
    assert len(calls) == 6


def test_image_label_count_mismatch(tmp_path, monkeypatch):
    files = fake_files(n_train_labels=11)
    monkeypatch.setattr(datafiles, "SHA256", {name: sha256(raw) for name, raw in files.items()})
    root = write_files(tmp_path / "root", files)
    with pytest.raises(data.DataError, match=facts("train-images-idx3-ubyte.gz", "12 images",
                                                   "train-labels-idx1-ubyte.gz", "11 labels")):
        data.FashionMNIST(root=root)


def test_labels_where_images_belong(tmp_path, monkeypatch):
    files = fake_files()
    files["t10k-images-idx3-ubyte"] = files["t10k-labels-idx1-ubyte"]
    monkeypatch.setattr(datafiles, "SHA256", {name: sha256(raw) for name, raw in files.items()})
    with pytest.raises(data.DataError, match=facts("t10k-images-idx3-ubyte.gz", "labels")):
        data.FashionMNIST(root=write_files(tmp_path / "root", files))


# --- Where the files are found ------------------------------------------------


def test_search_order(fake, tmp_path, monkeypatch):
    places = {
        "root": tmp_path / "root",
        "env": tmp_path / "env",
        "cache": cache(tmp_path),
        "debian": datafiles.DEBIAN_DIR,
    }
    for directory in places.values():
        write_files(directory, fake)
    monkeypatch.setenv(d2lmini_settings.DATA, str(places["env"]))
    assert data.fashion_mnist_dir(places["root"]) == places["root"]
    assert data.fashion_mnist_dir() == places["env"]
    monkeypatch.delenv(d2lmini_settings.DATA)
    assert data.fashion_mnist_dir() == places["cache"]
    (places["cache"] / "train-images-idx3-ubyte.gz").unlink()  # incomplete: skipped
    assert data.fashion_mnist_dir() == places["debian"]


def test_incomplete_root_falls_through(fake, tmp_path, monkeypatch):
    root = write_files(tmp_path / "root", fake, names=NAMES[:3])
    env = write_files(tmp_path / "env", fake, gz=False)  # plain files count too
    monkeypatch.setenv(d2lmini_settings.DATA, str(env))
    assert data.fashion_mnist_dir(root, download=False) == env
    assert data.FashionMNIST(root=root, download=False).source == env


def test_nothing_found_without_download(fake, tmp_path, monkeypatch):
    monkeypatch.setenv(d2lmini_settings.DATA, str(tmp_path / "env"))
    root = write_files(tmp_path / "root", fake, names=NAMES[:1])
    places = [root, tmp_path / "env", cache(tmp_path), datafiles.DEBIAN_DIR]  # in search order
    with pytest.raises(data.DataError, match=facts(
            str(root), "missing train-labels-idx1-ubyte", *map(str, places[1:]), "download=False",
            "sudo apt install dataset-fashion-mnist", "export D2LMINI_DATA=")):
        data.fashion_mnist_dir(root, download=False)
    assert not cache(tmp_path).exists()


# --- Downloading ----------------------------------------------------------------


def listing(directory):
    return sorted(p.name for p in directory.iterdir())


def test_download_into_cache(server, fake, tmp_path):
    fmnist = data.FashionMNIST(batch_size=4)
    assert fmnist.source == cache(tmp_path)
    assert listing(fmnist.source) == sorted(f"{name}.gz" for name in NAMES)
    assert fmnist.train.data[:, 0, 0].tolist() == list(range(12))
    assert len(server.requests) == 4
    data.FashionMNIST()  # found now: nothing fetched again
    assert len(server.requests) == 4


def test_download_into_root_only_what_is_missing(server, fake, tmp_path):
    root = write_files(tmp_path / "root", fake, names=NAMES[:2])
    assert data.fashion_mnist_dir(root) == root
    assert sorted(server.requests) == sorted(f"/{name}.gz" for name in NAMES[2:])
    assert len(listing(root)) == 4


def test_download_falls_back_to_the_next_url(server, monkeypatch, tmp_path):
    monkeypatch.setattr(datafiles, "URLS", (server.url + "missing/", server.url))
    assert data.fashion_mnist_dir() == cache(tmp_path)
    assert len(server.requests) == 8


@pytest.mark.parametrize("mode, problem", [
    ("wrong", ["wrong content", "SHA-256"]),
    ("die", ["connection closed", re.compile(r"\d+ of \d+ bytes")]),
    ("404", ["HTTP Error 404"]),
])
def test_failed_download_leaves_nothing_and_retry_succeeds(server, tmp_path, mode, problem):
    server.mode = mode
    with pytest.raises(data.DataError, match=facts(server.url, *problem,
                                                   "sudo apt install dataset-fashion-mnist")):
        data.fashion_mnist_dir()
    assert listing(cache(tmp_path)) == []
    server.mode = "ok"
    assert data.fashion_mnist_dir() == cache(tmp_path)
    assert len(listing(cache(tmp_path))) == 4


def test_interrupted_download_leaves_no_temp_file(server, tmp_path, monkeypatch):
    def interrupted(url, out):
        out.write(b"half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(datafiles, "_stream", interrupted)
    with pytest.raises(KeyboardInterrupt):
        data.fashion_mnist_dir()
    assert listing(cache(tmp_path)) == []


def test_unwritable_cache(server, tmp_path, monkeypatch):
    # Tests run as root, which ignores chmod; a path below a regular file
    # can never become a directory, for root or anyone.
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    with pytest.raises(data.DataError, match=facts(str(blocker), "D2LMINI_DATA")):
        data.fashion_mnist_dir()
    assert server.requests == []


def test_full_disk_while_downloading(tmp_path, monkeypatch):
    """ENOSPC half-way through a download: a clear DataError, no partial file."""
    monkeypatch.setattr(datafiles, "URLS", ("http://127.0.0.1:9/a/", "http://127.0.0.1:9/b/"))
    attempts = []

    def copy_until_full(source, out, *args):
        attempts.append(source)
        out.write(b"\x1f\x8b" + b"x" * 1000)
        raise OSError(errno.ENOSPC, "No space left on device")

    class Response:
        headers = {}

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(datafiles.urllib.request, "urlopen", lambda url, timeout: Response())
    monkeypatch.setattr(datafiles.shutil, "copyfileobj", copy_until_full)
    with pytest.raises(data.DataError, match=facts(str(cache(tmp_path)), "disk is full", "Errno 28",
                                                   "D2LMINI_DATA", "apt install dataset-fashion-mnist")):
        data.FashionMNIST()
    assert len(attempts) == 1  # a second URL cannot help a full disk
    assert listing(cache(tmp_path)) == []  # no partial file left behind


def test_full_disk_before_downloading(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(datafiles.tempfile, "TemporaryFile", full)
    with pytest.raises(data.DataError, match=facts(str(tmp_path / "root"), "disk is full",
                                                   "D2LMINI_DATA")):
        data.fashion_mnist_dir(tmp_path / "root")


CHILD = """
import json, sys
from pathlib import Path
from d2lmini import data, datafiles
config = json.loads(sys.argv[1])
datafiles.URLS, datafiles.SHA256 = tuple(config["urls"]), config["sha256"]
datafiles.DEBIAN_DIR = Path(config["debian"])
fmnist = data.FashionMNIST(root=config["root"])
print(len(fmnist.train), len(fmnist.val))
"""


def test_two_processes_download_at_once(server, tmp_path):
    server.mode = "together"
    root = tmp_path / "shared"
    config = json.dumps({"urls": [server.url], "sha256": datafiles.SHA256,
                         "debian": str(datafiles.DEBIAN_DIR), "root": str(root)})
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    children = [subprocess.Popen([sys.executable, "-c", CHILD, config], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        assert out.split() == ["12", "6"]
    assert len(server.requests) == 8  # both really downloaded every file
    assert listing(root) == sorted(f"{name}.gz" for name in NAMES)
    assert data.fashion_mnist_dir(root, download=False) == root
