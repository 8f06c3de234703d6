"""The `ratecheck` command line: thin wrappers that parse arguments and print what the API returns."""

from __future__ import annotations

import json
import sys

import click

from .theory import catalogue, registry


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ratecheck")
def main() -> None:
    """Check first-order optimizers against their convergence theory."""


@main.command()
@click.argument("bound_id", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list (one object per bound).")
@click.option("--latex", is_flag=True, help="Print expressions in LaTeX instead of pretty text.")
@click.option("--certify", is_flag=True, help="Check the bound(s) against PEPit's exact worst cases (needs the "
              "extra ratecheck[pep]); exit 1 if one is violated or falsely claims tightness.")
@click.option("--full", is_flag=True, help="With --certify: the larger sample grid of docs/certification.md.")
def theory(bound_id: str | None, as_json: bool, latex: bool, certify: bool, full: bool) -> None:
    """Print the catalogue of bounds, or one bound (BOUND_ID) with its derivation."""
    if bound_id is not None and bound_id not in registry.ids():
        raise click.BadParameter(
            f"unknown bound id {bound_id!r}; known ids: {', '.join(registry.ids())}", param_hint="BOUND_ID"
        )
    if full and not certify:
        raise click.UsageError("--full only applies with --certify")
    if certify:
        from .theory.pep.report import run_certify  # PEPit itself is imported only when a PEP is built

        click.get_current_context().exit(run_certify(bound_id, full=full, as_json=as_json))
    selected = registry.bounds() if bound_id is None else [registry.get(bound_id)]
    if as_json:
        click.echo(json.dumps([b.to_dict() for b in selected], indent=2))
    elif bound_id is None:
        catalogue.print_catalogue(selected, latex=latex)
    else:
        catalogue.print_bound(selected[0], latex=latex)


@main.command()
@click.option("--profile", "profile_name", type=click.Choice(["fast", "thorough"]), default=None,
              help="How hard to check (default: fast, or $RATECHECK_PROFILE).")
@click.option("--seed", type=int, default=None, help="Hypothesis seed (default: derandomised).")
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
def verify(profile_name: str | None, seed: int | None, as_json: bool) -> None:
    """The main job: every property on every reference implementation, as a table."""
    import time

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from .checks.config import profile
    from .checks.verify import total_steps
    from .checks.verify import verify as run_verify

    config = profile(profile_name).with_(seed=seed)
    err = Console(stderr=True)
    t0 = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("verify", total=total_steps())
        state = {"started": False}

        def advance(label: str) -> None:
            if state["started"]:
                bar.advance(task)
            state["started"] = True
            bar.update(task, description=label)

        reports = run_verify(config, advance)
    elapsed = time.perf_counter() - t0
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in reports], indent=2))
    else:
        table = Table(title=f"ratecheck verify (profile {config.profile}, "
                            f"{'seed ' + str(seed) if seed is not None else 'derandomised'})")
        for col in ("method", "setting", "property", "examples", "worst observed/bound", "verdict", "seconds"):
            table.add_column(col)
        colour = {"pass": "green", "fail": "bold red", "skipped": "yellow"}
        for rep in reports:
            for r in rep.results:
                table.add_row(rep.method, r.setting, r.property, str(r.examples),
                              "-" if r.worst_ratio is None else f"{r.worst_ratio:.4g}",
                              f"[{colour[r.verdict]}]{r.verdict}[/]", f"{r.seconds:.2f}")
        out = Console(width=max(Console().width, 110))
        out.print(table)
        for rep in reports:
            if not rep.passed:
                out.print(rep.summary(), markup=False)
        out.print(f"{sum(len(r.results) for r in reports)} checks in {elapsed:.1f} s; "
                  f"{'all passed' if all(r.passed for r in reports) else 'FAILURES'}")
    sys.exit(0 if all(r.passed for r in reports) else 1)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
