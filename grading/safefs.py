"""File operations the grading batch can trust inside a folder someone else may have tampered with.

Every path is walked from a trusted root one component at a time with O_NOFOLLOW (a symbolic link anywhere
below the root is refused, never followed), files are opened with O_NONBLOCK (a FIFO cannot hang the grader)
and checked with fstat to be regular files. Writes are atomic: a temporary file in the same folder, fsynced,
then renamed over the target (which replaces a FIFO or a symbolic link at the target itself rather than
writing through it). The output folder is locked with flock against a second concurrent run.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,127}")
LOCK = ".ratecheck-grade.lock"


class UnsafePathError(OSError):
    """A path below a trusted root is a symbolic link, a FIFO or another non-regular file, or leaves the root."""


class OutputLockedError(RuntimeError):
    """Another process holds the output folder's lock."""


def check_name(name: str, what: str = "name") -> str:
    """`name` if it is a safe single path component (letters, digits, _ . @ + -; not starting with . + - @)."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ValueError(f"invalid {what} {name!r}: expected a single path component matching "
                         f"{NAME.pattern} (letters, digits and _ . @ + -, not starting with a dot)")
    return name


def _parts(rel: str | Path) -> list[str]:
    parts = Path(rel).parts
    if Path(rel).is_absolute() or any(p in ("", ".", "..") for p in parts):
        raise UnsafePathError(errno.EINVAL, f"expected a relative path without '.' or '..' components, got {rel!s}")
    return list(parts)


@contextlib.contextmanager
def open_dir(root: str | Path, rel: str | Path = ".", *, create: bool = False) -> Iterator[int]:
    """A file descriptor of the folder root/rel, every component below root a real folder (created if asked)."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for name in ([] if str(rel) in ("", ".") else _parts(rel)):
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(name, 0o755, dir_fd=fd)
            try:
                nxt = os.open(name, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    why = f"{name!r} is a symbolic link or not a folder (expected a real folder, links not followed)"
                    raise UnsafePathError(exc.errno, f"{Path(root) / rel}: {why}") from None
                raise
            os.close(fd)
            fd = nxt
        yield fd
    finally:
        os.close(fd)


def _open_regular(name: str, flags: int, dir_fd: int, shown: Path, mode: int = 0o644) -> int:
    """Open `name` in dir_fd without following a link or blocking on a FIFO; refuse anything but a regular file."""
    try:
        fd = os.open(name, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, mode, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENXIO, errno.EISDIR):
            raise UnsafePathError(exc.errno, f"{shown} is a symbolic link, a FIFO or a folder "
                                             f"(expected a regular file; it is not followed)") from None
        raise
    st_mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(st_mode):
        os.close(fd)
        kind = "a FIFO" if stat.S_ISFIFO(st_mode) else "a device or socket"
        raise UnsafePathError(errno.EINVAL, f"{shown} is {kind} (expected a regular file; it is not followed)")
    os.set_blocking(fd, True)
    return fd


def read_bytes(root: str | Path, rel: str | Path, limit: int | None = None) -> bytes | None:
    """The content of root/rel (None when absent), refusing links and non-regular files at every level."""
    rel = Path(rel)
    try:
        with open_dir(root, rel.parent) as dfd:
            fd = _open_regular(rel.name, os.O_RDONLY, dfd, Path(root) / rel)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as fh:
        data = fh.read() if limit is None else fh.read(limit + 1)
    if limit is not None and len(data) > limit:
        raise UnsafePathError(errno.EFBIG, f"{Path(root) / rel} is larger than {limit} bytes")
    return data


def read_regular(path: str | Path, limit: int | None = None) -> bytes:
    """The content of the regular file at `path`, whose last component must not be a link or a FIFO."""
    path = Path(path)
    with open_dir(path.parent) as dfd:
        fd = _open_regular(path.name, os.O_RDONLY, dfd, path)
    with os.fdopen(fd, "rb") as fh:
        data = fh.read() if limit is None else fh.read(limit + 1)
    if limit is not None and len(data) > limit:
        raise UnsafePathError(errno.EFBIG, f"{path} is larger than {limit} bytes")
    return data


def sha256(path: str | Path) -> str:
    """The SHA-256 of the regular file at `path` (its last component not followed if a link)."""
    import hashlib

    path = Path(path)
    with open_dir(path.parent) as dfd:
        fd = _open_regular(path.name, os.O_RDONLY, dfd, path)
    h = hashlib.sha256()
    with os.fdopen(fd, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def atomic_write(root: str | Path, rel: str | Path, data: str | bytes) -> Path:
    """Write root/rel atomically: temp file in the same folder, fsync, rename over the target, fsync the folder.

    A FIFO or a symbolic link at the target is replaced (never written through); a folder there is refused."""
    rel = Path(rel)
    raw = data.encode() if isinstance(data, str) else data
    name = rel.name
    with open_dir(root, rel.parent, create=True) as dfd:
        with contextlib.suppress(FileNotFoundError):
            if stat.S_ISDIR(os.stat(name, dir_fd=dfd, follow_symlinks=False).st_mode):
                raise UnsafePathError(errno.EISDIR, f"{Path(root) / rel} is a folder (expected a file)")
        tmp = f".{name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644, dir_fd=dfd)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(raw)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=dfd)
            raise
        os.fsync(dfd)
    return Path(root) / rel


def append_line(root: str | Path, rel: str | Path, line: bytes) -> None:
    """Append one line to root/rel (created if absent) and fsync: O_APPEND, never through a link or a FIFO."""
    rel = Path(rel)
    with open_dir(root, rel.parent, create=True) as dfd:
        fd = _open_regular(rel.name, os.O_WRONLY | os.O_APPEND | os.O_CREAT, dfd, Path(root) / rel)
    try:
        view = memoryview(line)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked(folder: str | Path, lock: str = LOCK) -> Iterator[None]:
    """Hold an exclusive, non-blocking flock on folder/lock for the duration (OutputLockedError if held)."""
    with open_dir(folder) as dfd:
        fd = _open_regular(lock, os.O_RDWR | os.O_CREAT, dfd, Path(folder) / lock)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise OutputLockedError(f"{folder} is being written by another `ratecheck grade` (pid {holder} holds "
                                    f"{lock}); wait for it to finish or pass another --out") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


__all__ = ["LOCK", "NAME", "OutputLockedError", "UnsafePathError", "append_line", "atomic_write", "check_name",
           "locked", "open_dir", "read_bytes", "read_regular", "sha256"]
