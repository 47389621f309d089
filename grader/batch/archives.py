"""Unpacking a student's zip: the whole archive checked before anything is extracted.

Path traversal, absolute paths, links, special files, encrypted members,
compression methods zipfile cannot read and zip bombs reject the archive
with a clear message (``ZipRejected``); so does any other error while
reading it (a damaged member, a CRC mismatch): one student's bad archive
never stops the class.
"""
from __future__ import annotations

import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from .. import escaping
from ..spec import MODULES
from .discovery import MAX_SOURCE_BYTES, choose, shown_path

# Zip archives: what an honest submission never needs.
ZIP_MAX_MEMBERS = 10_000
ZIP_MAX_TOTAL = 1 << 30                # 1 GiB declared, uncompressed
ZIP_MAX_RATIO = 200                    # uncompressed / compressed, for anything bigger than ZIP_RATIO_FLOOR
ZIP_RATIO_FLOOR = 10 << 20


def readable_methods() -> dict[int, str]:
    """The compression methods this Python's zipfile can read (stored and deflate always)."""
    methods = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
    for method, module, name in ((zipfile.ZIP_BZIP2, "bz2", "bzip2"), (zipfile.ZIP_LZMA, "lzma", "LZMA")):
        try:
            __import__(module)
        except ImportError:
            continue
        methods[method] = name
    return methods


ZIP_METHODS = readable_methods()
ZIP_METHOD_NAMES = {1: "Shrink", 2: "Reduce", 3: "Reduce", 4: "Reduce", 5: "Reduce", 6: "Implode",
                    9: "Deflate64", 10: "PKWARE Implode", 12: "bzip2", 14: "LZMA", 18: "IBM TERSE",
                    19: "IBM LZ77", 20: "Zstandard", 93: "Zstandard", 94: "MP3", 95: "XZ", 96: "JPEG",
                    97: "WavPack", 98: "PPMd", 99: "WinZip AES encryption"}


class ZipRejected(Exception):
    """The archive is refused as a whole; the message says why, for the student and the teacher.

    ``str(error)`` is the English reason; ``error.zh`` the same in Chinese where there is one
    (the generic ``run.ZH_REJECTED`` follows it either way).
    """

    def __init__(self, message: str, zh: str = ""):
        super().__init__(message)
        self.zh = zh


def quoted(text, limit: int = 120) -> str:
    """Text from an archive (a member's name, an error that quotes one) made safe to show: escaped, capped."""
    text = f"'{escaping.name(text)}'"
    return text if len(text) <= limit else text[:limit - 4] + "...'"


def plain(text, limit: int = 200) -> str:
    """An error message, which may quote the archive's names: control characters escaped, capped."""
    text = escaping.inert(text)
    return text if len(text) <= limit else text[:limit - 3] + "..."



def described(error: BaseException) -> str:
    """``zlib.error: Error -3 ...``: the exception's type (with its module unless built in) and its message."""
    kind = type(error)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    return f"{name}: {plain(error)}" if str(error) else name


def unreadable(member: str | None, error: Exception) -> ZipRejected:
    """The rejection for an archive that passed every check but still failed to unpack (``member``: where)."""
    what = f"{quoted(member)} in the zip" if member else "the zip"
    where = f"压缩包中的 {quoted(member)} " if member else "压缩包"
    detail = described(error)
    if isinstance(error, zipfile.BadZipFile) and str(error).startswith("Bad CRC-32"):
        return ZipRejected(f"{what} is damaged: its CRC-32 checksum does not match its contents ({detail}); "
                           "the zip was corrupted while it was written or uploaded: zip your files again",
                           f"{where}已损坏：CRC-32 校验和与内容不符（压缩包在打包或上传时损坏）。请重新打包。")
    if isinstance(error, (zipfile.BadZipFile, zlib.error, EOFError)):
        return ZipRejected(f"{what} is damaged and could not be unpacked ({detail}): zip your files again",
                           f"{where}已损坏，无法解压（{detail}）。请重新打包。")
    if isinstance(error, NotImplementedError):
        return ZipRejected(f"{what} uses a compression method the grader does not read ({detail}): zip it "
                           "again with ordinary (deflate) compression",
                           f"{where}使用了评分程序无法读取的压缩方法（{detail}）。"
                           "请用普通（deflate）压缩方式重新打包。")
    return ZipRejected(f"{what} could not be unpacked ({detail}): zip your files again",
                       f"无法解压{where.rstrip()}（{detail}）。请重新打包。")


def member_parts(info: zipfile.ZipInfo) -> tuple[str, ...]:
    """The member's path as parts; raises ZipRejected for absolute paths, traversal and links."""
    name = info.filename
    if "\0" in name:
        raise ZipRejected(f"member {quoted(name)} has a NUL byte in its name")
    posix = name.replace("\\", "/")
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        raise ZipRejected(f"member {quoted(name)} has an absolute path")
    parts = tuple(p for p in PurePosixPath(posix).parts if p not in ("", "."))
    if ".." in parts:
        raise ZipRejected(f"member {quoted(name)} leaves the archive's folder (path traversal)")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise ZipRejected(f"member {quoted(name)} is a symbolic link")
    if mode and stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise ZipRejected(f"member {quoted(name)} is a special file (device, pipe or socket)")
    return parts


def check_method(info: zipfile.ZipInfo) -> None:
    """Raises ZipRejected for an encrypted member or one whose compression method zipfile cannot read."""
    if info.flag_bits & 0x1:
        raise ZipRejected(f"member {quoted(info.filename)} is encrypted (password-protected)",
                          f"压缩包中的 {quoted(info.filename)} 已加密（设置了密码）。请不加密码重新打包。")
    method = info.compress_type
    if method not in ZIP_METHODS:
        name = f"{method}" + (f" ({ZIP_METHOD_NAMES[method]})" if method in ZIP_METHOD_NAMES else "")
        raise ZipRejected(f"{quoted(info.filename)} in the zip uses compression method {name}, which the "
                          "grader does not read; zip it again with ordinary (deflate) compression",
                          f"压缩包中的 {quoted(info.filename)} 使用了压缩方法 {name}，评分程序无法读取。"
                          "请用普通（deflate）压缩方式重新打包。")


def unpack_zip(archive: Path, dest: Path, modules=MODULES) -> tuple[dict[str, Path], list[str], dict[str, str]]:
    """Check the whole archive, then extract only the module files to grade into ``dest`` (flat).

    Returns (module -> extracted file, notes, module -> member name). Raises ZipRejected, for the
    checks and for any error while reading the archive (a damaged member, a CRC mismatch...):
    one student's bad archive never stops the batch.
    """
    try:
        handle = zipfile.ZipFile(archive)
    except Exception as error:      # not a zip, truncated, a name that is not UTF-8...
        raise ZipRejected(f"not a readable zip archive ({described(error)})",
                          f"不是可读取的 zip 压缩包（{described(error)}）。") from None
    with handle:
        return checked_unpack(handle, archive, dest, modules)


def checked_unpack(handle: zipfile.ZipFile, archive: Path, dest: Path, modules):
    member = None                  # the member being read, for the message if reading it fails
    try:
        infos = handle.infolist()
        if len(infos) > ZIP_MAX_MEMBERS:
            raise ZipRejected(f"{len(infos):,} members (limit {ZIP_MAX_MEMBERS:,}): a zip bomb, or far more "
                              "than your code")
        total = sum(i.file_size for i in infos)
        packed = max(1, Path(archive).stat().st_size)
        if total > ZIP_MAX_TOTAL or (total > ZIP_RATIO_FLOOR and total / packed > ZIP_MAX_RATIO):
            raise ZipRejected(f"it would unpack to {total / 2**20:,.0f} MB from {packed / 2**20:,.1f} MB "
                              f"(limits {ZIP_MAX_TOTAL >> 20:,} MB, ratio {ZIP_MAX_RATIO}): a zip bomb, or "
                              "more than your code (a virtual environment, data sets?)")
        files = {}
        for info in infos:
            parts = member_parts(info)
            check_method(info)
            if parts and not info.is_dir():
                files[parts] = info
        chosen, notes = choose(list(files), modules)
        contents = {}
        for module, parts in chosen.items():
            info = files[parts]
            if info.file_size > MAX_SOURCE_BYTES:
                raise ZipRejected(f"{quoted('/'.join(parts))} is {info.file_size:,} bytes "
                                  f"(limit {MAX_SOURCE_BYTES:,})")
            member = info.filename
            with handle.open(info) as source:
                data = source.read(MAX_SOURCE_BYTES + 1)   # never more than that, whatever the header says;
                                                           # to the member's end, so its CRC is checked
                if len(data) > MAX_SOURCE_BYTES:
                    raise ZipRejected(f"{quoted('/'.join(parts))} unpacks to more than {MAX_SOURCE_BYTES:,} bytes")
            contents[module] = data
            member = None
    except ZipRejected:
        raise
    except Exception as error:      # anything else the archive does to zipfile: that student's problem
        raise unreadable(member, error) from error
    dest.mkdir(parents=True, exist_ok=True)         # a failure from here on is the grading machine's
    extracted, members = {}, {}
    for module, data in contents.items():
        target = dest / f"{module}.py"
        target.write_bytes(data)
        extracted[module], members[module] = target, shown_path(chosen[module])
    return extracted, notes, members
