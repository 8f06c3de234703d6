"""The notebook slicer: which top-level statements a graded name needs, as nbgrader would have run them.

nbgrader runs a notebook top to bottom and a test cell sees every name as it stood when that cell ran. The
grader does not run the whole notebook (experiments, plots and sweeps cost time and may never end); it runs
the *slice* that defines what a part needs: walking back from the test cell, keep a statement when it binds a
needed name, then need what it reads (function bodies included: their free globals). Module-level values
computed by calls are kept when a graded name depends on them; a redefinition after the test cell is not seen.

Pure AST logic, no execution: the child (grading/child.py) executes the slices, the tests exercise this alone.
"""

from __future__ import annotations

import ast
import symtable
from dataclasses import dataclass, field

CONDITIONAL = (ast.If, ast.For, ast.While, ast.Try, ast.With, ast.Match, ast.AsyncFor, ast.AsyncWith)


def reads(stmt: ast.stmt) -> set[str]:
    """Global names a top-level statement reads, function bodies included (their free globals)."""
    try:
        top = symtable.symtable(ast.unparse(stmt), "<slice>", "exec")
    except (SyntaxError, ValueError, RecursionError):
        return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)}
    names: set[str] = set()
    stack = [top]
    while stack:
        table = stack.pop()
        for sym in table.get_symbols():
            if (table.get_type() == "module" and sym.is_referenced()) or (
                    table.get_type() != "module" and sym.is_global()):
                names.add(sym.get_name())
        stack.extend(table.get_children())
    return names


def writes(stmt: ast.stmt, modules: set[str]) -> set[str]:
    """Global names a top-level statement binds or mutates (x = ..., x[i] = ..., x.append(...), def x, ...).
    A method call on an imported module (plt.show()) mutates no data of the notebook's."""
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {stmt.name}
    if isinstance(stmt, ast.Import | ast.ImportFrom):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names}
    out: set[str] = set()
    todo: list[ast.AST] = [stmt]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue  # their bodies bind locals
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            out.add(node.id)
        elif isinstance(node, ast.Subscript | ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del):
            base = node.value
            while isinstance(base, ast.Subscript | ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name):
                out.add(base.id)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and isinstance(
                node.value.func, ast.Attribute) and isinstance(node.value.func.value, ast.Name):
            if node.value.func.value.id not in modules:
                out.add(node.value.func.value.id)
        todo.extend(ast.iter_child_nodes(node))
    return out


@dataclass
class Statement:
    cell: int  # index of the code cell it came from
    node: ast.stmt

    @property
    def line(self) -> int:
        return getattr(self.node, "lineno", 0)


@dataclass
class Notebook:
    """The top-level statements of a notebook's code cells, in order. Cells that do not parse are reported in
    `errors` and contribute nothing (as in Jupyter, where such a cell raises and the notebook goes on)."""

    cells: list[str]
    statements: list[Statement] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for i, source in enumerate(self.cells):
            try:
                tree = ast.parse(source)
            except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
                self.errors.append(f"cell {i}: {type(exc).__name__}: {getattr(exc, 'msg', exc)} "
                                   f"(line {getattr(exc, 'lineno', '?')})")
                continue
            self.statements.extend(Statement(i, node) for node in tree.body)
        self._modules = {n for s in self.statements if isinstance(s.node, ast.Import | ast.ImportFrom)
                         for n in writes(s.node, set())}
        # each statement's names, computed once (unparsing a megabyte cell takes a while); plans memoised
        self._writes: dict[int, set[str]] = {}
        self._reads: dict[int, set[str]] = {}
        self._plans: dict[tuple[frozenset[str], int | None], list[int]] = {}

    def functions(self) -> list[str]:
        """Names bound to a function anywhere at top level (def, or a lambda assigned to a name)."""
        out = set()
        for s in self.statements:
            if isinstance(s.node, ast.FunctionDef | ast.AsyncFunctionDef):
                out.add(s.node.name)
            elif isinstance(s.node, ast.Assign) and isinstance(s.node.value, ast.Lambda):
                out |= {t.id for t in s.node.targets if isinstance(t, ast.Name)}
        return sorted(n for n in out if not n.startswith("_"))

    def plan(self, names: set[str], upto: int | None = None) -> list[int]:
        """Indices into `statements` of what defining `names` needs, using only cells before `upto` (the test
        cell's index; None: the whole notebook), in execution order."""
        key = (frozenset(names), upto)
        if key in self._plans:
            return self._plans[key]
        end = len(self.statements) if upto is None else sum(1 for s in self.statements if s.cell < upto)
        needed, keep = set(names), []
        for j in range(end - 1, -1, -1):
            stmt = self.statements[j].node
            if j not in self._writes:
                self._writes[j] = writes(stmt, self._modules)
            bound = self._writes[j]
            if bound & needed:
                keep.append(j)
                if j not in self._reads:
                    self._reads[j] = reads(stmt)
                used = self._reads[j]
                conditional = isinstance(stmt, CONDITIONAL)
                needed = (needed if conditional else needed - (bound - used)) | used
        self._plans[key] = sorted(keep)
        return self._plans[key]


__all__ = ["Notebook", "Statement", "reads", "writes"]
