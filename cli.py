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
def verify() -> None:
    """The main job. Until the property checks exist, it prints the theory catalogue."""
    catalogue.print_catalogue(registry.bounds(), latex=False)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
