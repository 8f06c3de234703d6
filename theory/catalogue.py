"""Rendering the registry: a terminal table, one bound with its derivation, and the README's table.

`python -m ratecheck.theory.catalogue --update-readme README.md` rewrites the table between the
README's `<!-- bounds:start -->` and `<!-- bounds:end -->` markers (`make readme`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

import sympy as sp
from rich.console import Console
from rich.table import Table

from .bound import QUANTITIES, Bound
from .registry import bounds

START, END = "<!-- bounds:start -->", "<!-- bounds:end -->"


SIGN = {"upper": "<=", "lower": ">=", "threshold": "="}
MD_SIGN = {"upper": "&le;", "lower": "&ge;", "threshold": "="}


def _latex(e: sp.Basic) -> str:
    # \lvert/\rvert instead of | so that the Markdown table's cell separators stay unambiguous
    return sp.latex(e).replace(r"\left|", r"\left\lvert ").replace(r"\right|", r"\right\rvert ")


def _flags(bd: Bound) -> str:
    out = [bd.direction]
    out += [name for name, on in (("tight", bd.tight), ("in expectation", bd.in_expectation),
                                  ("asymptotic", bd.asymptotic)) if on]
    return ", ".join(out)


def _expr(e: sp.Basic | str, latex: bool) -> str:
    if not isinstance(e, sp.Basic):
        return str(e)
    return sp.latex(e) if latex else sp.sstr(e)


def _console(console: Console | None) -> Console:
    if console is not None:
        return console
    probe = Console()
    return probe if probe.is_terminal else Console(width=160)  # piped: do not squeeze into 80 columns


def print_catalogue(selected: Iterable[Bound], latex: bool = False, console: Console | None = None) -> None:
    console = _console(console)
    table = Table(title="ratecheck theory catalogue", show_lines=True)
    for col in ("id", "quantity", "bound", "hyperparameters", "flags", "source"):
        table.add_column(col, overflow="fold")
    for bd in selected:
        sign = SIGN[bd.direction]
        table.add_row(
            bd.id,
            bd.quantity,
            f"{sign} {_expr(bd.expr, latex)}",
            "\n".join(f"{k} = {_expr(v, latex)}" for k, v in bd.hyperparameters.items()) or "-",
            _flags(bd),
            bd.source.split(";")[0],
        )
    console.print(table)
    console.print("One bound with its derivation and k(eps): ratecheck theory ID   |   "
                  "machine-readable: ratecheck theory --json")


def print_bound(bd: Bound, latex: bool = False, console: Console | None = None) -> None:
    console = _console(console)
    show = (lambda e: sp.latex(e)) if latex else (lambda e: sp.pretty(e, use_unicode=True))
    sign = SIGN[bd.direction]
    console.rule(f"[bold]{bd.id}[/bold]: {bd.title}")
    console.print(f"{QUANTITIES[bd.quantity]} {sign}", markup=False)
    console.print(show(bd.expr), markup=False, highlight=False)
    console.print(f"\nflags: {_flags(bd)}", markup=False)
    if bd.hyperparameters:
        console.print("hyperparameters:", markup=False)
        for k, v in bd.hyperparameters.items():
            console.print(f"  {k} = {_expr(v, latex)}", markup=False)
    console.print("assumptions:", markup=False)
    for a in bd.assumptions:
        console.print(f"  - {a}", markup=False)
    if bd.validity:
        console.print(f"validity: {bd.validity}", markup=False)
    console.print(f"source: {bd.source}\n", markup=False)
    console.rule("derivation")
    for i, step in enumerate(bd.derivation, 1):
        console.print(f"{i}. {step.text}", markup=False)
        if step.expr is not None:
            console.print(_indent(show(step.expr)), markup=False, highlight=False)
    if bd.iterations is not None:
        console.rule("iterations k(eps)")
        console.print(show(bd.iterations), markup=False, highlight=False)
    if bd.derived:
        console.rule("derived")
        for k, v in bd.derived.items():
            console.print(f"{k} = {_expr(v, latex)}", markup=False)
    for note in bd.notes:
        console.print(f"note: {note}", markup=False)
    for ce in bd.counterexamples:
        console.rule("counterexample")
        for key, val in ce.items():
            console.print(f"{key}: {val}", markup=False)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def markdown_table(selected: Iterable[Bound]) -> str:
    rows = ["| id | quantity | bound | k(eps) | hyperparameters | flags | source |",
            "|---|---|---|---|---|---|---|"]
    for bd in selected:
        cells = [
            f"`{bd.id}`",
            bd.quantity,
            f"{MD_SIGN[bd.direction]} ${_latex(bd.expr)}$",
            "-" if bd.iterations is None else f"${_latex(bd.iterations)}$",
            "<br>".join(f"{k} = {_md(v)}" for k, v in bd.hyperparameters.items()) or "-",
            _flags(bd),
            bd.source,
        ]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows)


def _md(v: sp.Basic | str) -> str:
    return f"${_latex(v)}$" if isinstance(v, sp.Basic) else str(v)


def readme_with_table(text: str) -> str:
    if START not in text or END not in text:
        raise ValueError(f"README has no {START} ... {END} markers to hold the generated table")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    note = "<!-- generated by `make readme` from ratecheck.theory; do not edit by hand -->"
    return f"{head}{START}\n{note}\n\n{markdown_table(bounds())}\n\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update-readme", type=Path, metavar="README")
    args = parser.parse_args(argv)
    if args.update_readme is None:
        print(markdown_table(bounds()))
        return 0
    args.update_readme.write_text(readme_with_table(args.update_readme.read_text()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
