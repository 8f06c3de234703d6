"""The `ratecheck` command line: thin wrappers that parse arguments and print what the API returns."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from . import methods
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


PARALLEL_JOBS = click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
                             help="Worker processes for the (property, setting) runs; results as with --jobs 1.")
PARALLEL_SCHEDULER = click.option("--scheduler", default=None, metavar="ADDRESS",
                                  help="Run on this Dask scheduler instead (needs the extra ratecheck[grade]).")


@main.command()
@click.option("--profile", "profile_name", type=click.Choice(["fast", "thorough"]), default=None,
              help="How hard to check (default: fast, or $RATECHECK_PROFILE).")
@click.option("--seed", type=int, default=None, help="Hypothesis seed (default: derandomised).")
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
@click.option("--report", "report_dir", type=click.Path(file_okay=False), default=None,
              help="Also write an HTML report with figures into this directory.")
@click.option("--method", "only", multiple=True, type=click.Choice(methods.names()),
              help="Only this method (repeatable; default: every method).")
@PARALLEL_JOBS
@PARALLEL_SCHEDULER
def verify(profile_name: str | None, seed: int | None, as_json: bool, report_dir: str | None,
           only: tuple[str, ...], jobs: int, scheduler: str | None) -> None:
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
        task = bar.add_task("verify", total=total_steps(only or None))
        state = {"started": False}
        parallel = jobs > 1 or scheduler is not None

        def advance(label: str) -> None:  # serial: a unit starts; parallel: a unit has finished
            if state["started"] or parallel:
                bar.advance(task)
            state["started"] = True
            bar.update(task, description=label)

        try:
            reports = run_verify(config, advance, jobs=jobs, scheduler=scheduler, methods=only or None)
        except ValueError as exc:  # e.g. no dask.distributed for --scheduler
            raise click.UsageError(str(exc)) from None
    elapsed = time.perf_counter() - t0
    if report_dir is not None:
        from .reports import write_html

        index = write_html(reports, report_dir, title="ratecheck verify",
                           extra={"hypothesis profile": f"{config.profile} (max_examples={config.max_examples})"})
        err.print(f"report: {index}")
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


DATA_SETS = ("breast_cancer", "digits", "wine")  # = implementations.problems.datasets.NAMES (keeps --help fast)


@main.command()
@click.option("--n", "ns", type=int, multiple=True, help="Numbers of components to sample (repeatable).")
@click.option("--eps", "epss", type=float, multiple=True, help="Target accuracies to sample (repeatable).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--report", "report_dir", type=click.Path(file_okay=False), default=None,
              help="Write regime.png (and regime.json) into this directory.")
@click.option("--data", type=click.Choice(DATA_SETS), default=None,
              help="On a real data set (extra ratecheck[data]): logistic regression, convex and nonconvex; "
                   "--n are then rows used, --eps targets relative to R^2 resp. ||grad f(0)||^2.")
@click.option("--svrg", is_flag=True, help="The three-way map: GD, SGD and SVRG (work.gd, work.sgd, work.svrg).")
def regime(ns: tuple[int, ...], epss: tuple[float, ...], seed: int, report_dir: str | None,
           data: str | None, svrg: bool) -> None:
    """The GD/SGD regime map: predicted crossover n*(eps) against measured winners in the (n, eps) plane."""
    if data is not None and svrg:
        raise click.UsageError("--svrg and --data do not combine: the three-way map is on noisy quadratics")
    if data is not None:
        return _regime_data(data, ns, epss, seed, report_dir)
    if svrg:
        return _regime3(ns, epss, seed, report_dir)

    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from .reports import measure_regimes, regime_figure

    ns = ns or (10, 40, 160, 640, 2560, 10240)
    epss = epss or (0.1, 0.03, 0.01, 0.003)
    if any(n < 2 for n in ns) or any(not 0 < e < 1 for e in epss):
        raise click.BadParameter("need n >= 2 and 0 < eps < 1 (eps is relative to R^2 = 1)")
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("measuring GD and SGD", total=len(ns) * len(epss))
        points = measure_regimes(ns, epss, seed, advance=lambda: bar.advance(task))
    table = Table(title="GD vs SGD: component-gradient evaluations to reach eps")
    for col in ("eps", "n", "n*(eps)", "GD work", "SGD work", "predicted", "measured", "agree"):
        table.add_column(col)
    for p in points:
        table.add_row(f"{p['eps']:g}", str(p["n"]), f"{p['n_star']:.0f}", f"{p['gd_work']:.0f}",
                      f"{p['sgd_work']:.0f}", p["predicted"], p["measured"], "yes" if p["agree"] else "NO")
    _agreement(table, points, report_dir, "regime", regime_figure)


def _regime3(ns: tuple[int, ...], epss: tuple[float, ...], seed: int, report_dir: str | None) -> None:

    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from .reports.regime3 import EPSS, METHODS, NS, P3, measure_regimes3, regime3_figure

    ns, epss = ns or NS, epss or EPSS
    if any(n < 2 for n in ns) or any(not 0 < e < 1 for e in epss):
        raise click.BadParameter("need n >= 2 and 0 < eps < 1 (eps is relative to R^2 = 1)")
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("measuring GD, SGD and SVRG", total=len(ns) * len(epss))
        points = measure_regimes3(ns, epss, seed, advance=lambda: bar.advance(task))
    table = Table(title=f"GD vs SGD vs SVRG (kappa = {P3['L'] / P3['mu']:g}): component gradients to reach eps")
    for col in ("eps", "n", *(f"{w.upper()} work" for w in METHODS), "predicted", "measured", "agree"):
        table.add_column(col)
    for p in points:  # the predicted works are in regime3.json
        table.add_row(f"{p['eps']:g}", str(p["n"]), *(f"{p[f'{w}_work']:.3g}" for w in METHODS),
                      p["predicted"], p["measured"], "yes" if p["agree"] else "NO")
    _agreement(table, points, report_dir, "regime3", regime3_figure)


def _agreement(table: Any, points: list[dict[str, Any]], report_dir: str | None, stem: str,
               figure: Any) -> None:
    """Print a regime table and the agreement rate; with --report, write STEM.png and STEM.json."""
    from pathlib import Path

    from rich.console import Console

    console = Console()
    console.print(table)
    rate = sum(p["agree"] for p in points) / len(points)
    console.print(f"agreement between theory and measurement: {rate:.0%} of {len(points)} points")
    if report_dir is not None:
        out = Path(report_dir)
        out.mkdir(parents=True, exist_ok=True)
        figure(points).savefig(out / f"{stem}.png", dpi=90)
        (out / f"{stem}.json").write_text(json.dumps(points, indent=1, default=float))
        console.print(f"figure: {out / f'{stem}.png'}")


def _regime_data(name: str, ns: tuple[int, ...], epss: tuple[float, ...], seed: int, report_dir: str | None) -> None:
    from pathlib import Path

    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from .implementations.problems.datasets import load
    from .reports.real_data import COLUMNS, EPS_REL, KINDS, measure_real_data, real_data_figure, table_rows

    size = load(name).n
    if any(not 2 <= n <= size for n in ns) or any(not 0 < e < 1 for e in epss):
        raise click.BadParameter(f"need 2 <= n <= {size} (rows of {name}) and 0 < eps < 1")
    eps_rel = {kind: epss for kind in KINDS} if epss else EPS_REL
    total = sum(len(eps_rel[k]) for k in KINDS) * (len(ns) or 3)
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"measuring GD and SGD on {name}", total=total)
        points = measure_real_data(name, eps_rel=eps_rel, seed=seed, sizes=ns or None,
                                   advance=lambda: bar.advance(task))
    table = Table(title=f"GD vs SGD on {name}: component-gradient evaluations to reach eps")
    for col in COLUMNS:
        table.add_column(col)
    for row in table_rows(points):
        table.add_row(*row)
    console = Console(width=max(Console().width, 120))
    console.print(table)
    for kind in KINDS:
        sel = [p for p in points if p["kind"] == kind]
        console.print(f"{kind}: theory and measurement agree at {sum(p['agree'] for p in sel) / len(sel):.0%} "
                      f"of {len(sel)} points")
    if report_dir is not None:
        out = Path(report_dir)
        out.mkdir(parents=True, exist_ok=True)
        real_data_figure(points).savefig(out / f"regime_{name}.png", dpi=90)
        (out / f"regime_{name}.json").write_text(json.dumps(points, indent=1))
        console.print(f"figure: {out / f'regime_{name}.png'}")


@main.command()
@click.option("--steps", type=click.IntRange(min=1), default=1000, show_default=True, help="SGD steps.")
@click.option("--hidden", type=click.IntRange(min=1), default=32, show_default=True, help="Hidden units.")
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=0.5, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--report", "report_dir", type=click.Path(file_okay=False), default=None,
              help="Write network.png (and network.json) into this directory.")
def network(steps: int, hidden: int, lr: float, seed: int, report_dir: str | None) -> None:
    """A small MLP on digits trained by SGD against the nonconvex bound: a report, not a pass/fail
    (extras ratecheck[dev,data] for torch and scikit-learn)."""
    from pathlib import Path

    from .reports.network import network_figure, network_text, train

    run = train(hidden=hidden, steps=steps, lr=lr, seed=seed)
    click.echo(network_text(run))
    if report_dir is not None:
        out = Path(report_dir)
        out.mkdir(parents=True, exist_ok=True)
        network_figure(run).savefig(out / "network.png", dpi=90)
        (out / "network.json").write_text(json.dumps(run.to_dict(), indent=1))
        click.echo(f"figure: {out / 'network.png'}")


def _load_spec(text: str, param_hint: str) -> methods.Multistep:
    """The multistep spec named FILE.py:NAME (a module-level object built by ratecheck.methods.multistep)."""
    from .methods.multistep import load

    try:
        return load(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=param_hint) from None


@main.command()
@click.argument("spec")
@click.option("--L", "L_", type=float, default=10.0, show_default=True, help="Smoothness constant.")
@click.option("--mu", "mu_", type=float, default=1.0, show_default=True, help="Strong-convexity constant (< L).")
@click.option("--pep-steps", type=click.IntRange(min=0, max=30), default=10, show_default=True,
              help="PEPit worst cases for k = 1 .. this (0: none; needs the extra ratecheck[pep]).")
@click.option("--json", "as_json", is_flag=True, help="Print the rates as JSON.")
def rate(spec: str, L_: float, mu_: float, pep_steps: int, as_json: bool) -> None:
    """Derive the rates of your own method, SPEC (path/to/file.py:NAME, built by ratecheck.methods.multistep):
    the exact rate on quadratics, a certified rate on strongly convex functions (IQC LMI, verified), and
    PEPit's exact k-step worst cases beside the certified bound. Exit 2 for bad input.

    \b
      ratecheck rate my_method.py:qhm --L 10 --mu 1
    """
    from .methods.multistep import check_constants, rates

    try:
        check_constants(L_, mu_)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    r = rates(_load_spec(spec, "SPEC"), L_, mu_, pep_steps)
    if as_json:
        click.echo(json.dumps(r.to_dict(), indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    out = Console(width=max(Console().width, 110))
    expr = f" = {r.quadratic_rate_expr}" if r.quadratic_rate_expr else " (numeric: no closed form found)"
    where = f"lambda = {r.critical_lambda_expr}" if r.critical_lambda_expr else f"lambda = {r.critical_lambda:.6g}"
    out.print(f"{r.method} at L = {r.L:g}, mu = {r.mu:g}", markup=False)
    out.print(f"  quadratics:       rate {r.quadratic_rate:.6g}{expr}, attained at {where}", markup=False)
    if r.strongly_convex_rate is None:
        out.print("  strongly convex:  no certificate (the IQC LMI has no verified solution below rho = 1)")
    else:
        out.print(f"  strongly convex:  ||x_k - x*|| <= {r.strongly_convex_constant:.4g} * "
                  f"{r.strongly_convex_rate:.6g}^k ||x_0 - x*||  (IQC certificate, verified)", markup=False)
    table = Table(title="squared distance ratio ||x_k - x*||^2 / ||x_0 - x*||^2")
    for col in ("k", "quadratic envelope^2", "PEPit worst case", "certified bound^2", "within"):
        table.add_column(col, justify="right")
    for k, worst in r.pep_worst_case:
        env = r.quadratic_envelope[k][1] ** 2
        if r.strongly_convex_rate is None:
            cert, ok = "-", "-"
        else:
            bound = (r.strongly_convex_constant * r.strongly_convex_rate**k) ** 2
            cert, ok = f"{bound:.6g}", "yes" if worst <= bound * (1 + 1e-6) else "NO"
        table.add_row(str(k), f"{env:.6g}", f"{worst:.6g}", cert, ok)
    if r.pep_worst_case:
        out.print(table)


CHECK_METHODS = methods.names()  # the registry's (ratecheck.methods imports no SciPy/Hypothesis: --help stays fast)


@main.command()
@click.argument("target")
@click.option("--method", required=True, metavar="NAME|SPEC.py:NAME",
              help=f"The theory to check against: one of {', '.join(CHECK_METHODS)}, or your own multistep spec "
                   "(path/to/file.py:NAME, checked against the bounds derived from its coefficients).")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Extra constructor argument for a torch/optax target (repeatable), e.g. --set nesterov=true.")
@click.option("--dtype", type=click.Choice(["float32", "float64", "bfloat16", "float16"]), default=None,
              help="Precision of a torch/optax target's parameter (default float32, as their users run them); a "
                   "function is checked in the dtype of the iterates it returns.")
@click.option("--property", "properties", multiple=True, help="Only this property (repeatable; default: all).")
@click.option("--setting", "settings", multiple=True, help="Only this setting (repeatable; default: all).")
@click.option("--profile", "profile_name", type=click.Choice(["fast", "thorough"]), default=None,
              help="How hard to check (default: fast, or $RATECHECK_PROFILE).")
@click.option("--seed", type=int, default=None, help="Hypothesis seed (default: derandomised).")
@click.option("--max-examples", type=click.IntRange(min=1), default=None, help="Override the profile's examples.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--report", "report_dir", type=click.Path(file_okay=False), default=None,
              help="Also write an HTML report with figures into this directory.")
@PARALLEL_JOBS
@PARALLEL_SCHEDULER
def check(target: str, method: str, sets: tuple[str, ...], dtype: str | None, properties: tuple[str, ...],
          settings: tuple[str, ...], profile_name: str | None, seed: int | None, max_examples: int | None,
          as_json: bool, report_dir: str | None, jobs: int, scheduler: str | None) -> None:
    """Check one optimizer, TARGET, against the theory of --method.

    TARGET is path/to/file.py:function or module:attr, naming a function in the teaching form of the method,
    a torch.optim.Optimizer subclass (e.g. torch.optim:SGD) or an optax transformation factory (e.g. optax:sgd).
    Exit 0 when every property holds, 1 when one fails (its counterexample is printed), 2 for usage errors.

    \b
      ratecheck check my_gd.py:gradient_descent --method gd
      ratecheck check torch.optim:SGD --method nesterov --set nesterov=true
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .checks.adapters import Target, TargetError, as_teaching_form, load_target, parse_options
    from .checks.api import check as run_check
    from .checks.api import plan

    try:
        options = parse_options(sets)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--set") from None
    if "dtype" in options:
        raise click.BadParameter("the precision is --dtype, not --set dtype=...", param_hint="--set")
    if dtype is not None:
        options["dtype"] = dtype
    theory: str | methods.Method = method
    if ":" in method:  # a user's spec: its bounds are derived, not registered
        theory = _load_spec(method, "--method")
    elif method not in CHECK_METHODS:
        raise click.BadParameter(f"{method!r} is not one of {', '.join(CHECK_METHODS)}, nor path/to/file.py:NAME "
                                 "(a multistep spec)", param_hint="--method")
    try:
        optimizer = as_teaching_form(load_target(target), theory, options)
    except TargetError as exc:
        raise click.BadParameter(str(exc), param_hint="TARGET") from None
    if jobs > 1 or scheduler is not None:  # workers load the target themselves (a file's module lives here only)
        optimizer = Target(target, theory, options)
    try:
        steps = plan(theory, properties or None, settings or None)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    overrides = {"seed": seed} if max_examples is None else {"seed": seed, "max_examples": max_examples}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"checking {target}", total=len(steps))
        started = [0]

        def progress(label: str) -> None:  # serial: as each (property, setting) starts; parallel: as it ends
            started[0] += 1
            bar.update(task, description=f"{method} {label}",
                       completed=started[0] if jobs > 1 or scheduler is not None else started[0] - 1)

        try:
            report = run_check(optimizer, theory, properties=properties or None, settings=settings or None,
                               profile_name=profile_name, target=target, progress=progress, jobs=jobs,
                               scheduler=scheduler, **overrides)
        except ValueError as exc:  # e.g. no dask.distributed for --scheduler
            raise click.UsageError(str(exc)) from None
    if report_dir is not None:
        from .reports import write_html

        index = write_html([report], report_dir, title=f"ratecheck check {target} --method {method}")
        Console(stderr=True).print(f"report: {index}")
    click.echo(report.to_json(indent=2) if as_json else report.summary())
    sys.exit(0 if report.passed else 1)


@main.command()
@click.argument("assignment")
@click.argument("submissions", type=click.Path())
@click.option("--course", "course_dir", type=click.Path(), default=".", show_default=True,
              help="The nbgrader course directory (source/<assignment>/, gradebook.db).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Where the state file, the CSV and the feedback go (default: COURSE/ratecheck_grades).")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Grade on this Dask scheduler instead (needs the extra ratecheck[grade]).")
@click.option("--force", is_flag=True, help="Regrade submissions already recorded in the state file.")
@click.option("--time-limit", type=click.FloatRange(min=0.1), default=300.0, show_default=True,
              help="Wall-time backstop (seconds) of one call into a submission. Budgets are CPU seconds (calibrated "
                   "from the reference solution); a submission that hits this backstop under its CPU budget is "
                   "regraded, not scored down.")
@click.option("--weak-sandbox", is_flag=True,
              help="Grade without Linux namespaces (in-process limits, seccomp and audit hook only) where bubblewrap "
                   "or user namespaces are unavailable; every record says so.")
def grade(assignment: str, submissions: str, course_dir: str, out_dir: str | None, jobs: int,
          scheduler: str | None, force: bool, time_limit: float, weak_sandbox: bool) -> None:
    """Grade every submission of ASSIGNMENT in SUBMISSIONS, tamper-proof and in parallel.

    SUBMISSIONS is nbgrader's submitted/ folder (<student>/<ASSIGNMENT>/*.ipynb) or a flat folder of
    <student>.ipynb. Scores go to the course's gradebook (formgrader keeps working), OUT/<ASSIGNMENT>.csv and
    OUT/feedback/<student>/<ASSIGNMENT>.md. Re-running skips recorded submissions (resume after an interruption).
    Exit 0 when every submission is graded and stored, 1 when one could not be stored (the gradebook, the
    feedback, the state file) or a name is not a valid student id, 2 for usage errors and when OUT is in use by
    another run, 128+N when stopped by signal N (workers killed; a rerun resumes).
    """
    from pathlib import Path

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    course = Path(course_dir)
    if not course.is_dir():
        raise click.UsageError(f"no course directory {course_dir}")
    if not (course / "source" / assignment / f"{assignment}.ipynb").is_file():
        raise click.UsageError(f"no assignment {assignment!r} in {course_dir} "
                               f"(expected source/{assignment}/{assignment}.ipynb)")
    if not Path(submissions).is_dir():
        raise click.UsageError(f"no submissions folder {submissions}")
    from .grading import batch, rubric
    from .grading import gradebook as gbook

    try:
        rubric.load(course, assignment)
    except (ValueError, KeyError, OSError) as exc:
        raise click.UsageError(f"cannot grade {assignment!r}: {exc}") from None
    if problem := gbook.check_course(course, assignment):
        raise click.UsageError(problem)
    if scheduler:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise click.UsageError("--scheduler needs dask.distributed: pip install 'ratecheck[grade]'") from None
    out = Path(out_dir) if out_dir else course / "ratecheck_grades"
    from .grading import isolation

    mode = isolation.WEAK if weak_sandbox else isolation.NAMESPACES
    try:
        isolation.require(mode)
    except isolation.IsolationUnavailable as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if weak_sandbox:
        click.echo("warning: --weak-sandbox: submissions run without OS isolation (in-process sandbox only)", err=True)
    limits = {"call_seconds": time_limit, "load_seconds": max(60.0, time_limit), "isolation": mode}
    err = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task(f"grading {assignment}", total=None)

        def progress(record: dict) -> None:
            bar.update(task, advance=1, description=f"{record['student']}: {record['score']:g}/"
                                                    f"{record['max_score']:g}")

        try:
            outcome = batch.run(course, assignment, submissions, out, jobs=jobs, scheduler=scheduler, force=force,
                                limits=limits, progress=progress, on_start=lambda n: bar.update(task, total=n))
        except batch.BatchError as exc:  # OUT locked by another run, unsafe state file, bad assignment name
            bar.stop()
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except (batch.Terminated, KeyboardInterrupt) as exc:  # workers already killed; a rerun resumes
            bar.stop()
            signum = exc.signum if isinstance(exc, batch.Terminated) else 2
            click.echo(f"stopped by signal {signum}: finished submissions are recorded, rerun to resume", err=True)
            sys.exit(128 + signum)
    table = Table(title=f"ratecheck grade {assignment}: {len(outcome.graded)} graded, "
                        f"{len(outcome.skipped)} already recorded, {outcome.seconds:.1f} s")
    for col in ("student", "score", "max", "reason", "seconds"):
        table.add_column(col, overflow="fold")
    for r in outcome.records:
        table.add_row(r["student"], f"{r['score']:g}", f"{r['max_score']:g}", r["reason"][:160],
                      f"{r['seconds']:.1f}" if r["student"] in outcome.graded else
                      "(not stored)" if r["student"] in outcome.failed else "(recorded)")
    Console(width=max(Console().width, 120)).print(table)
    click.echo(f"csv: {outcome.csv}\nfeedback: {out / 'feedback'}")
    for problem in outcome.state_problems:
        click.echo(f"warning: {problem}", err=True)
    for r in outcome.refused:
        click.echo(f"refused, not graded: {r.reason}", err=True)
    for student, failures in outcome.failed.items():
        click.echo(f"not stored, graded again on the next run: {student}: {'; '.join(failures)}", err=True)
    if outcome.unrecorded:
        click.echo(f"could not record: {', '.join(outcome.unrecorded)}", err=True)
    sys.exit(0 if outcome.ok else 1)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
