"""What a submission may be: the module file the grader reads, before any child exists."""
from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import SandboxError, refused


# -- what a submission may be ---------------------------------------------------

MAX_SOURCE_BYTES = 1_000_000


def validate_source(path: Path, root: Path) -> bytes:
    """Read a submitted module: no links leaving the submission, no special files, no absurd sizes."""
    path, resolved_root = Path(path), Path(root).resolve()
    name = path.name
    if path.is_symlink():
        target = path.resolve()
        if resolved_root not in target.parents:
            raise refused(f"refused: {name} is a symbolic link outside the submission",
                          f"拒绝评分：{name} 是指向提交目录之外的符号链接")
    if not path.exists():
        raise SandboxError("missing", f"{name} is missing from the submission", f"提交中缺少 {name}")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)   # a FIFO must not block us
    except OSError as error:
        raise refused(f"refused: {name} cannot be read ({error.strerror})",
                      f"拒绝评分：无法读取 {name}（{error.strerror}）") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise refused(f"refused: {name} is not a regular file", f"拒绝评分：{name} 不是普通文件")
        if info.st_size > MAX_SOURCE_BYTES:
            raise refused(f"refused: {name} is {info.st_size:,} bytes (limit {MAX_SOURCE_BYTES:,})",
                          f"拒绝评分：{name} 过大（{info.st_size:,} 字节，上限 {MAX_SOURCE_BYTES:,}）")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > MAX_SOURCE_BYTES:
                raise refused(f"refused: {name} is larger than {MAX_SOURCE_BYTES:,} bytes",
                              f"拒绝评分：{name} 过大（上限 {MAX_SOURCE_BYTES:,} 字节）")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
