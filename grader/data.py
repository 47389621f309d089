"""Fashion-MNIST from the four original IDX files, with no dependency but torch.

The reader checks what it reads: the magic number, the number of dimensions,
the image size, the length of the data against the header, the label range
and that images and labels agree in number. Every error names the file and
says what is wrong with it.

Where the data comes from, in this order (the first that has the files wins,
and ``FashionMNIST.source`` says which):

1. ``--data DIR`` on the command line (the ``data_dir`` argument), else the
   environment variable ``FASHION_MNIST_DIR``. DIR holds the four files, or is
   a torchvision root (``DIR/FashionMNIST/raw/``). A directory asked for this
   way must have the files: there is no silent fallback past it.
2. torchvision's layout under the working directory: ``./data/FashionMNIST/raw/``.
3. ``/usr/share/datasets/fashion-mnist/`` (Debian/Ubuntu package
   ``dataset-fashion-mnist``).
4. torchvision's download into ``./data``, when torchvision is installed and
   the network allows.

Files may be gzipped (``*.gz``) or not; gzip is recognised by its content.
"""
from __future__ import annotations

import gzip
import os
import socket
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

ENV_VAR = "FASHION_MNIST_DIR"
SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")
TORCHVISION_ROOT = Path("data")            # relative to the working directory
TORCHVISION_RAW = Path("FashionMNIST") / "raw"

FILES = {
    ("train", "images"): "train-images-idx3-ubyte",
    ("train", "labels"): "train-labels-idx1-ubyte",
    ("test", "images"): "t10k-images-idx3-ubyte",
    ("test", "labels"): "t10k-labels-idx1-ubyte",
}
SPLIT_SIZES = {"train": 60_000, "test": 10_000}
IMAGE_SIZE = 28
NUM_CLASSES = 10
CLASSES = ("t-shirt", "trouser", "pullover", "dress", "coat",
           "sandal", "shirt", "sneaker", "bag", "ankle boot")

# The IDX header: two zero bytes, a type code, the number of dimensions.
IDX_UBYTE = 0x08
IMAGES_MAGIC = 0x00000803   # unsigned bytes, 3 dimensions
LABELS_MAGIC = 0x00000801   # unsigned bytes, 1 dimension
_TYPE_NAMES = {0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "short",
               0x0C: "int", 0x0D: "float", 0x0E: "double"}


class IDXError(ValueError):
    """An IDX file is missing, unreadable or not what Fashion-MNIST needs; the message names the file."""

    def __init__(self, path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = Path(path), problem


class DataNotFoundError(FileNotFoundError):
    """None of the ways to find Fashion-MNIST worked; the message lists them all."""


# ---------------------------------------------------------------- the reader

def _read_bytes(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise IDXError(path, f"cannot be read ({error.strerror or error})") from error
    if raw[:2] == b"\x1f\x8b":   # gzip, whatever the file is called
        try:
            return gzip.decompress(raw)
        except EOFError as error:
            raise IDXError(path, "truncated: the gzip stream ends early") from error
        except (gzip.BadGzipFile, zlib.error, OSError) as error:
            raise IDXError(path, f"corrupt gzip data ({error})") from error
    return raw


def read_idx(path, *, ndim: int | None = None) -> torch.Tensor:
    """Read one IDX file of unsigned bytes (gzipped or not) into a ``torch.uint8`` tensor of the header's shape.

    With ``ndim`` the header must declare that many dimensions (3 for images,
    1 for labels). Raises ``IDXError`` naming the file: wrong magic number,
    unsupported type, bad dimensions, data shorter (truncated) or longer than
    the header says.
    """
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise IDXError(path, f"truncated: {len(data)} bytes, too short for the 4-byte IDX magic number")
    zero, type_code, dims = struct.unpack(">HBB", data[:4])
    magic = int.from_bytes(data[:4], "big")
    if zero != 0:
        raise IDXError(path, f"wrong magic number 0x{magic:08x}: not an IDX file "
                             f"(an IDX file starts with two zero bytes, e.g. 0x{IMAGES_MAGIC:08x} for images)")
    if type_code != IDX_UBYTE:
        name = _TYPE_NAMES.get(type_code, "unknown")
        raise IDXError(path, f"wrong magic number 0x{magic:08x}: data type 0x{type_code:02x} ({name}); "
                             f"Fashion-MNIST files hold unsigned bytes (0x08)")
    if ndim is not None and dims != ndim:
        expected = IMAGES_MAGIC if ndim == 3 else LABELS_MAGIC if ndim == 1 else None
        hint = f" (expected 0x{expected:08x})" if expected else ""
        raise IDXError(path, f"wrong magic number 0x{magic:08x}: {dims} dimensions, expected {ndim}{hint}")
    if dims == 0:
        raise IDXError(path, "bad dimensions: the header declares 0 dimensions")
    header = 4 + 4 * dims
    if len(data) < header:
        raise IDXError(path, f"truncated: {len(data)} bytes, the header of {dims} dimensions needs {header}")
    shape = struct.unpack(f">{dims}I", data[4:header])
    if any(d == 0 for d in shape):
        raise IDXError(path, f"bad dimensions {list(shape)}: a dimension is 0")
    count = 1
    for d in shape:
        count *= d
    body = len(data) - header
    if body < count:
        raise IDXError(path, f"truncated: the header declares {' x '.join(map(str, shape))} = {count} bytes "
                             f"of data, the file has {body}")
    if body > count:
        raise IDXError(path, f"{body - count} bytes longer than its header declares "
                             f"({' x '.join(map(str, shape))} = {count} bytes of data, found {body})")
    import torch        # here only: finding the files (``locate``) is the grading process's, which has no torch
    buffer = bytearray(data[header:])   # writable, so torch.frombuffer does not warn
    return torch.frombuffer(buffer, dtype=torch.uint8).reshape(shape)


def read_images(path) -> torch.Tensor:
    """An images file: ``(N, 28, 28)`` uint8."""
    images = read_idx(path, ndim=3)
    if tuple(images.shape[1:]) != (IMAGE_SIZE, IMAGE_SIZE):
        raise IDXError(path, f"bad dimensions: images of {images.shape[1]} x {images.shape[2]} pixels, "
                             f"Fashion-MNIST images are {IMAGE_SIZE} x {IMAGE_SIZE}")
    return images


def read_labels(path, num_classes: int = NUM_CLASSES) -> torch.Tensor:
    """A labels file: ``(N,)`` int64, every label in ``0 .. num_classes - 1``."""
    labels = read_idx(path, ndim=1)
    bad = (labels >= num_classes).nonzero()
    if len(bad):
        i = int(bad[0])
        raise IDXError(path, f"labels out of range: {len(bad)} labels are >= {num_classes} "
                             f"(the first is label {int(labels[i])} at index {i}); "
                             f"Fashion-MNIST labels are 0..{num_classes - 1}")
    return labels.long()


def find_file(directory, stem: str) -> Path | None:
    """``directory/stem`` or ``directory/stem.gz`` (the unzipped file first), or None."""
    for name in (stem, stem + ".gz"):
        candidate = Path(directory) / name
        if candidate.is_file():
            return candidate
    return None


def missing_files(directory) -> list[str]:
    return [stem for stem in FILES.values() if find_file(directory, stem) is None]


def load_split(directory, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Images ``(N, 28, 28)`` uint8 and labels ``(N,)`` int64 of ``split`` ("train" or "test") in ``directory``."""
    paths = {}
    for kind in ("images", "labels"):
        stem = FILES[(split, kind)]
        paths[kind] = find_file(directory, stem)
        if paths[kind] is None:
            raise IDXError(Path(directory) / stem, "no such file (nor with .gz)")
    images, labels = read_images(paths["images"]), read_labels(paths["labels"])
    if len(images) != len(labels):
        raise IDXError(paths["labels"], f"image/label count mismatch: {len(labels)} labels "
                                        f"for {len(images)} images in {paths['images']}")
    return images, labels


# ---------------------------------------------------------------- the search

@dataclass
class FashionMNIST:
    """The whole data set in memory, as uint8 images ``(N, 28, 28)`` and int64 labels ``(N,)``."""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    directory: Path
    source: str          # which way of the search order found it, in words

    def describe(self) -> str:
        return (f"Fashion-MNIST from {self.directory} ({self.source}): "
                f"{len(self.train_labels)} training and {len(self.test_labels)} test images")


def data_dirs(directory) -> list[Path]:
    """Where the files may lie under a directory someone named: in it, or in its torchvision layout."""
    directory = Path(directory)
    return [directory, directory / TORCHVISION_RAW]


def _how_to_get_the_data(cwd: Path, system_dir: Path) -> str:
    return "\n".join((
        "Fashion-MNIST was not found. Any one of these works:",
        "  1. pass --data DIR (or set FASHION_MNIST_DIR=DIR), where DIR holds the four files",
        "     " + ", ".join(f"{s}[.gz]" for s in FILES.values()),
        "     (or is a torchvision root with them in DIR/FashionMNIST/raw/);",
        f"  2. put them in torchvision's layout under the working directory: {cwd / TORCHVISION_ROOT / TORCHVISION_RAW}/",
        "     (python -c \"import torchvision; torchvision.datasets.FashionMNIST('data', download=True)\");",
        f"  3. install the Debian/Ubuntu package, which puts them in {system_dir}/:",
        "     sudo apt-get install dataset-fashion-mnist;",
        "  4. let torchvision download them into ./data: needs torchvision and internet access",
        "     (files: https://github.com/zalandoresearch/fashion-mnist#get-the-data).",
    ))


def _torchvision_download(root: Path) -> None:
    """torchvision's own download into ``root`` (``root/FashionMNIST/raw``). Raises when it fails."""
    import torchvision  # optional: only this way needs it
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(30)
    try:
        for train in (True, False):
            torchvision.datasets.FashionMNIST(str(root), train=train, download=True)
    finally:
        socket.setdefaulttimeout(previous)


def locate(data_dir=None, *, download: bool = True, env=None, cwd=None,
           system_dir=SYSTEM_DIR, downloader=_torchvision_download) -> tuple[Path, str]:
    """Find the directory holding the four files: ``(directory, how it was found)``.

    Follows the search order in the module docstring. ``env``, ``cwd``,
    ``system_dir`` and ``downloader`` exist so tests can stage each case.
    Raises ``DataNotFoundError`` listing every way to get the data.
    """
    env = os.environ if env is None else env
    cwd = Path.cwd() if cwd is None else Path(cwd)
    system_dir = Path(system_dir)
    tried = []

    named = [(data_dir, "--data")] if data_dir else []
    if not named and env.get(ENV_VAR):
        named = [(env[ENV_VAR], f"${ENV_VAR}")]
    for directory, how in named:
        directory = cwd / Path(directory).expanduser()
        for candidate in data_dirs(directory):
            if not missing_files(candidate):
                return candidate, f"{how} {directory}"
        missing = missing_files(directory)
        raise DataNotFoundError(
            f"{how} {directory}: Fashion-MNIST files missing there (nor in {directory / TORCHVISION_RAW}): "
            f"{', '.join(missing)}\n\n" + _how_to_get_the_data(cwd, system_dir))

    local = cwd / TORCHVISION_ROOT / TORCHVISION_RAW
    if not missing_files(local):
        return local, f"torchvision layout under the working directory ({TORCHVISION_ROOT / TORCHVISION_RAW})"
    tried.append(f"{local}: " + ("no such directory" if not local.is_dir() else
                                 "missing " + ", ".join(missing_files(local))))

    if not missing_files(system_dir):
        return system_dir, "Debian package dataset-fashion-mnist"
    tried.append(f"{system_dir}: " + ("no such directory" if not system_dir.is_dir() else
                                      "missing " + ", ".join(missing_files(system_dir))))

    if download:
        try:
            downloader(cwd / TORCHVISION_ROOT)
        except ImportError:
            tried.append("torchvision download: torchvision is not installed")
        except Exception as error:   # no network, a mirror down, a disk full...
            first = str(error).strip().splitlines()
            tried.append(f"torchvision download into {cwd / TORCHVISION_ROOT}: failed "
                         f"({type(error).__name__}: {first[0] if first else ''} ...)")
        else:
            if not missing_files(local):
                return local, f"torchvision download into {TORCHVISION_ROOT}"
            tried.append(f"torchvision download into {cwd / TORCHVISION_ROOT}: finished, but files are missing")
    else:
        tried.append("torchvision download: not attempted (download disabled)")

    raise DataNotFoundError(_how_to_get_the_data(cwd, system_dir)
                            + "\n\nTried:\n" + "\n".join(f"  - {t}" for t in tried))


_CACHE: dict[Path, FashionMNIST] = {}


def load_fashion_mnist(data_dir=None, *, download: bool = True, **locate_options) -> FashionMNIST:
    """Locate (see ``locate``) and read the whole data set; kept in memory for later calls in the process."""
    directory, how = locate(data_dir, download=download, **locate_options)
    key = directory.resolve()
    if key not in _CACHE:
        train_images, train_labels = load_split(directory, "train")
        test_images, test_labels = load_split(directory, "test")
        _CACHE[key] = FashionMNIST(train_images, train_labels, test_images, test_labels, directory, how)
    cached = _CACHE[key]
    if cached.source != how:
        cached = FashionMNIST(cached.train_images, cached.train_labels, cached.test_images,
                              cached.test_labels, directory, how)
    return cached
