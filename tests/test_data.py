"""The IDX reader and the search for Fashion-MNIST, on small files the tests write themselves."""
import gzip
import struct
from pathlib import Path

import pytest
import torch

from grader import data as fmnist
from grader.data import FILES, IDXError, DataNotFoundError

REAL = fmnist.SYSTEM_DIR
REAL_INSTALLED = not fmnist.missing_files(REAL)


def idx_bytes(array: torch.Tensor, type_code: int = 0x08) -> bytes:
    header = struct.pack(">HBB", 0, type_code, array.dim()) + struct.pack(f">{array.dim()}I", *array.shape)
    return header + bytes(array.to(torch.uint8).flatten().tolist())


def write(path: Path, payload: bytes, gz: bool = False) -> Path:
    if gz:
        path = path.with_name(path.name + ".gz")
        payload = gzip.compress(payload)
    path.write_bytes(payload)
    return path


def tiny_images(n: int) -> torch.Tensor:
    return (torch.arange(n * 28 * 28) % 251).to(torch.uint8).reshape(n, 28, 28)


def tiny_labels(n: int) -> torch.Tensor:
    return (torch.arange(n) % 10).to(torch.uint8)


def write_dataset(directory: Path, n_train: int = 12, n_test: int = 7, gz: bool = False) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for split, n in (("train", n_train), ("test", n_test)):
        write(directory / FILES[(split, "images")], idx_bytes(tiny_images(n)), gz)
        write(directory / FILES[(split, "labels")], idx_bytes(tiny_labels(n)), gz)
    return directory


# ---------------------------------------------------------------- the reader

@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gzipped"])
def test_reads_images_and_labels_back(tmp_path, gz):
    images = write(tmp_path / "im", idx_bytes(tiny_images(5)), gz)
    labels = write(tmp_path / "lb", idx_bytes(tiny_labels(5)), gz)
    got = fmnist.read_images(images)
    assert got.dtype == torch.uint8 and got.shape == (5, 28, 28)
    assert torch.equal(got, tiny_images(5))
    assert torch.equal(fmnist.read_labels(labels), tiny_labels(5).long())


def test_gzip_is_recognised_by_content_not_name(tmp_path):
    path = tmp_path / "labels-without-gz-suffix"
    path.write_bytes(gzip.compress(idx_bytes(tiny_labels(3))))
    assert fmnist.read_labels(path).tolist() == [0, 1, 2]


def test_load_split_prefers_files_in_either_form(tmp_path):
    write_dataset(tmp_path, gz=True)
    images, labels = fmnist.load_split(tmp_path, "train")
    assert images.shape == (12, 28, 28) and labels.dtype == torch.int64 and labels.tolist()[:3] == [0, 1, 2]


def expect_error(path, reader, *words):
    with pytest.raises(IDXError) as caught:
        reader(path)
    message = str(caught.value)
    assert str(path) in message, message
    for word in words:
        assert word in message, message
    return message


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gzipped"])
def test_truncated_data(tmp_path, gz):
    path = write(tmp_path / "im", idx_bytes(tiny_images(3))[:-10], gz)
    expect_error(path, fmnist.read_images, "truncated", "2352")


def test_truncated_header(tmp_path):
    path = write(tmp_path / "im", idx_bytes(tiny_images(3))[:9])
    expect_error(path, fmnist.read_images, "truncated", "header")
    path = write(tmp_path / "empty", b"\x00\x00")
    expect_error(path, fmnist.read_idx, "truncated")


def test_truncated_gzip_stream(tmp_path):
    path = tmp_path / "im.gz"
    path.write_bytes(gzip.compress(idx_bytes(tiny_images(3)))[:-20])
    expect_error(path, fmnist.read_images, "truncated", "gzip")


def test_corrupt_gzip_stream(tmp_path):
    payload = bytearray(gzip.compress(idx_bytes(tiny_images(3))))
    payload[-8] ^= 0xFF    # break the CRC
    path = tmp_path / "im.gz"
    path.write_bytes(bytes(payload))
    expect_error(path, fmnist.read_images, "gzip")


def test_trailing_bytes(tmp_path):
    path = write(tmp_path / "lb", idx_bytes(tiny_labels(4)) + b"junk")
    expect_error(path, fmnist.read_labels, "4 bytes longer")


def test_wrong_magic_not_idx(tmp_path):
    path = write(tmp_path / "im", b"\x89PNG\r\n\x1a\n" + bytes(100))
    expect_error(path, fmnist.read_images, "wrong magic number", "0x89504e47")


def test_wrong_magic_labels_given_as_images(tmp_path):
    path = write(tmp_path / "lb", idx_bytes(tiny_labels(4)))
    expect_error(path, fmnist.read_images, "wrong magic number", "0x00000801", "expected 3", "0x00000803")


def test_wrong_magic_data_type(tmp_path):
    path = write(tmp_path / "im", idx_bytes(tiny_images(1), type_code=0x0D))
    expect_error(path, fmnist.read_images, "wrong magic number", "float", "unsigned bytes")


def test_bad_image_dimensions(tmp_path):
    path = write(tmp_path / "im", idx_bytes(torch.zeros(2, 32, 32)))
    expect_error(path, fmnist.read_images, "bad dimensions", "32 x 32", "28 x 28")


def test_zero_dimension(tmp_path):
    path = write(tmp_path / "im", struct.pack(">HBB3I", 0, 8, 3, 0, 28, 28))
    expect_error(path, fmnist.read_images, "bad dimensions", "is 0")


def test_labels_out_of_range(tmp_path):
    labels = tiny_labels(6)
    labels[4] = 10
    path = write(tmp_path / "lb", idx_bytes(labels), gz=True)
    expect_error(path, fmnist.read_labels, "labels out of range", "label 10 at index 4", "0..9")


def test_image_label_count_mismatch(tmp_path):
    write_dataset(tmp_path)
    write(tmp_path / FILES[("test", "labels")], idx_bytes(tiny_labels(6)))
    with pytest.raises(IDXError) as caught:
        fmnist.load_split(tmp_path, "test")
    message = str(caught.value)
    assert "count mismatch" in message and "6 labels" in message and "7 images" in message
    assert FILES[("test", "labels")] in message and FILES[("test", "images")] in message


def test_missing_file_is_named(tmp_path):
    write_dataset(tmp_path)
    (tmp_path / FILES[("train", "labels")]).unlink()
    with pytest.raises(IDXError, match="train-labels-idx1-ubyte: no such file"):
        fmnist.load_split(tmp_path, "train")


def test_unreadable_path_is_named(tmp_path):
    expect_error(tmp_path / "nothing-here", fmnist.read_idx, "cannot be read")


# ---------------------------------------------------------------- the search order

def no_download(root):
    raise AssertionError("download must not be tried here")


def failing_download(root):
    raise RuntimeError("Error downloading train-images-idx3-ubyte.gz: Name or service not known")


@pytest.fixture
def places(tmp_path):
    """Four candidate places, each holding a data set of a different size, so the one used is visible."""
    explicit = write_dataset(tmp_path / "explicit", n_train=11)
    env_dir = write_dataset(tmp_path / "env" / "FashionMNIST" / "raw", n_train=13).parent.parent
    cwd = tmp_path / "cwd"
    write_dataset(cwd / "data" / "FashionMNIST" / "raw", n_train=14, gz=True)
    system = write_dataset(tmp_path / "system", n_train=15)
    return explicit, env_dir, cwd, system


def load(data_dir=None, **kwargs):
    fmnist._CACHE.clear()
    return fmnist.load_fashion_mnist(data_dir, **kwargs)


def test_search_order(places, tmp_path):
    explicit, env_dir, cwd, system = places
    env = {fmnist.ENV_VAR: str(env_dir)}
    common = dict(cwd=cwd, system_dir=system, downloader=no_download)

    got = load(explicit, env=env, **common)                 # 1. --data wins over everything
    assert len(got.train_labels) == 11 and got.source.startswith("--data")
    got = load(None, env=env, **common)                      # 1. then FASHION_MNIST_DIR (torchvision root)
    assert len(got.train_labels) == 13 and fmnist.ENV_VAR in got.source
    got = load(None, env={}, **common)                       # 2. ./data/FashionMNIST/raw
    assert len(got.train_labels) == 14 and "torchvision layout" in got.source
    got = load(None, env={}, cwd=tmp_path / "elsewhere", system_dir=system, downloader=no_download)
    assert len(got.train_labels) == 15 and "dataset-fashion-mnist" in got.source   # 3. the Debian package
    assert got.test_images.shape == (7, 28, 28)


def test_relative_data_dir_is_taken_from_the_working_directory(places):
    explicit, env_dir, cwd, system = places
    got = load("data", env={}, cwd=cwd, system_dir=system, downloader=no_download)
    assert len(got.train_labels) == 14 and got.source.startswith("--data")


def test_download_is_the_last_resort(tmp_path):
    def downloader(root):
        write_dataset(Path(root) / "FashionMNIST" / "raw", n_train=16)

    got = load(None, env={}, cwd=tmp_path, system_dir=tmp_path / "none", downloader=downloader)
    assert len(got.train_labels) == 16 and "download" in got.source


def test_explicit_directory_without_the_files_is_an_error_not_a_fallback(places, tmp_path):
    explicit, env_dir, cwd, system = places
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataNotFoundError) as caught:
        load(tmp_path / "empty", env={}, cwd=cwd, system_dir=system, downloader=no_download)
    assert "--data" in str(caught.value) and "train-images-idx3-ubyte" in str(caught.value)
    with pytest.raises(DataNotFoundError, match=fmnist.ENV_VAR):
        load(None, env={fmnist.ENV_VAR: str(tmp_path / "empty")}, cwd=cwd, system_dir=system,
             downloader=no_download)


def test_nothing_found_lists_every_way(tmp_path):
    with pytest.raises(DataNotFoundError) as caught:
        load(None, env={}, cwd=tmp_path, system_dir=tmp_path / "no-system", downloader=failing_download)
    message = str(caught.value)
    for way in ("--data DIR", fmnist.ENV_VAR, str(tmp_path / "data" / "FashionMNIST" / "raw"),
                "apt-get install dataset-fashion-mnist", str(tmp_path / "no-system"),
                "torchvision", "download", "Name or service not known"):
        assert way in message, (way, message)


def test_download_can_be_disabled(tmp_path):
    with pytest.raises(DataNotFoundError, match="download disabled"):
        load(None, download=False, env={}, cwd=tmp_path, system_dir=tmp_path / "none", downloader=no_download)


def test_incomplete_directory_says_what_is_missing(tmp_path):
    system = write_dataset(tmp_path / "system")
    (system / FILES[("test", "images")]).unlink()
    with pytest.raises(DataNotFoundError, match="missing t10k-images-idx3-ubyte"):
        load(None, download=False, env={}, cwd=tmp_path, system_dir=system)


@pytest.mark.skipif(not REAL_INSTALLED, reason=f"real Fashion-MNIST not installed in {REAL} "
                                              f"(apt-get install dataset-fashion-mnist)")
def test_real_fashion_mnist():
    got = load(REAL, env={}, downloader=no_download)
    assert got.train_images.shape == (60_000, 28, 28) and got.test_images.shape == (10_000, 28, 28)
    assert torch.equal(torch.bincount(got.test_labels), torch.full((10,), 1000))
    assert torch.equal(torch.bincount(got.train_labels), torch.full((10,), 6000))
    mean = got.train_images.float().mean().item() / 255
    assert abs(mean - 0.2860) < 1e-3
