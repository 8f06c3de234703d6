"""Reading a submitted notebook without trusting it.

A student can edit, delete, duplicate or re-tag any cell and its metadata, or hand in something that is not a
notebook at all. The grader therefore takes the code of *every* code cell, in order, whatever its metadata
says (the sandbox executes only definitions, and the rubric decides what is graded from the course's source
notebook, never from the submission's metadata). A file that cannot be read as a notebook is not an error of
the batch: it becomes a recorded score of 0 with the reason.
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

MAX_BYTES = 32 << 20  # a submission larger than this is not read (outputs of megabytes are common; 32 MiB is not)
MAX_CELLS = 2000


@dataclass
class Submission:
    path: str
    cells: list[str] = field(default_factory=list)  # the code of every code cell, as IPython would run it
    error: str | None = None  # why the notebook could not be read (then cells is empty)
    ids: list[str | None] = field(default_factory=list)  # each code cell's nbgrader grade_id (None: untagged)

    def cell_of(self, grade_id: str) -> int | None:
        """The index (into cells) of the code cell tagged `grade_id`, or None when the notebook has none."""
        return self.ids.index(grade_id) if grade_id in self.ids else None


# Cell magics whose body is Python that IPython runs in the notebook's namespace (timed, captured, profiled);
# any other cell magic (%%bash, %%html, %%writefile, ...) holds no Python for the grader to run.
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug", "memit"}
_MAGIC_LINE = re.compile(r"^\s*[%!]")


def as_python(source: str) -> str:
    """A cell's code as IPython would run it: line magics and shell escapes become get_ipython() calls (the
    grading child answers them with nothing), a Python cell magic (%%time, ...) leaves its body, another cell
    magic leaves no code."""
    first, _, body = source.lstrip("\n").partition("\n")
    if first.startswith("%%"):
        name = first[2:].split(maxsplit=1)[0] if first[2:].strip() else ""
        return as_python(body) if name in PYTHON_CELL_MAGICS else ""
    if "%" not in source and "!" not in source and "?" not in source:
        return source
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # no IPython: drop the magic and shell lines, keep the Python
        return "\n".join("" if _MAGIC_LINE.match(line) else line for line in source.split("\n"))
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # IPython could not transform it: the cell is graded as written (it may not parse)
        return source


def _read_regular(path: Path) -> bytes:
    """The bytes of a regular file, never through a symbolic link and never blocking on a FIFO or device."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if os.path.islink(path):
            raise ValueError("the submission is a symbolic link; submit the notebook file itself") from None
        raise exc
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise ValueError("the submission is not a regular file")
        if st.st_size > MAX_BYTES:
            raise ValueError(f"the notebook is too large to grade ({st.st_size / 2**20:.0f} MiB > "
                             f"{MAX_BYTES >> 20} MiB)")
        return fh.read(MAX_BYTES + 1)


def read(path: str | Path) -> Submission:
    """The code cells of the notebook at `path`, or the reason it cannot be graded."""
    path = Path(path)
    out = Submission(str(path))
    try:
        raw = _read_regular(path)
    except OSError as exc:
        out.error = f"the notebook cannot be read: {exc.strerror or exc}"
        return out
    except ValueError as exc:
        out.error = str(exc)
        return out
    try:
        data = json.loads(raw.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError) as exc:
        out.error = f"malformed notebook (not JSON): {str(exc)[:200]}"
        return out
    if not isinstance(data, dict) or not isinstance(data.get("cells", None), list):
        major = data.get("nbformat") if isinstance(data, dict) else None
        out.error = ("malformed notebook: no list of cells" + (f" (nbformat {major!r}; expected 4)" if major else ""))
        return out
    if data.get("nbformat") != 4:
        out.error = f"unsupported notebook format nbformat={data.get('nbformat')!r} (expected 4)"
        return out
    cells = data["cells"]
    if len(cells) > MAX_CELLS:
        out.error = f"too many cells ({len(cells)} > {MAX_CELLS})"
        return out
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if isinstance(source, str):
            meta = cell.get("metadata")
            nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
            gid = nbg.get("grade_id") if isinstance(nbg, dict) else None
            out.cells.append(as_python(source))
            out.ids.append(gid if isinstance(gid, str) else None)
    if not out.cells:
        out.error = "the notebook has no code cells"
    return out


__all__ = ["PYTHON_CELL_MAGICS", "Submission", "as_python", "read"]
