"""Certification against PEPit: the small grid certifies every certifiable bound, wrong bounds are caught,
the step-size sweep finds the known edges, the CLI exits as documented, and PEPit stays optional."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import sympy as sp
from click.testing import CliRunner
from ratecheck.cli import main
from ratecheck.theory import SYMBOLS, get
from ratecheck.theory.pep import certifiable, certify, certify_all, uncertifiable, verdict
from ratecheck.theory.pep.report import predicted_edges

ROOT = Path(__file__).resolve().parents[1]
L, mu, R, k = (SYMBOLS[s] for s in ("L", "mu", "R", "k"))


@pytest.fixture(scope="module")
def reports():
    pytest.importorskip("PEPit", reason="the extra ratecheck[pep] is not installed")
    return {r.bound_id: r for r in certify_all()}  # the small (CI) grid, sweeps included: ~10 s


def test_certifiable_covers_the_methods_and_explains_the_rest():
    assert {"gd.quadratic", "gd.strongly_convex", "gd.convex", "heavy_ball.quadratic", "nesterov.convex",
            "nesterov.strongly_convex", "sgd.constant"} <= set(certifiable())
    skipped = uncertifiable()
    assert {"lower.convex", "lower.strongly_convex"} <= set(skipped)
    assert all(why for why in skipped.values())


@pytest.mark.parametrize("bound_id", certifiable())
def test_small_certification(reports, bound_id):
    rep = reports[bound_id]
    assert rep.rows and all(r.k <= 4 for r in rep.rows)
    assert not rep.violated, [(r.k, r.point, r.ratio) for r in rep.violated]
    assert rep.ok, rep.status
    if get(bound_id).tight:  # tight at some sampled point for every k
        for kk in {r.k for r in rep.rows}:
            assert any(r.verdict == "tight" for r in rep.rows if r.k == kk), (bound_id, kk)


def test_loose_bounds_measured(reports):
    # GD's L R^2/(2k) against the exact L R^2/(4k+2): ratio 2k/(4k+2), whatever L and R.
    for r in reports["gd.convex"].rows:
        assert r.verdict == "loose" and r.ratio == pytest.approx(2 * r.k / (4 * r.k + 2), rel=1e-4)


@pytest.mark.parametrize("bound_id", ["gd.convex", "gd.strongly_convex"])
def test_sweep_finds_the_known_edges(reports, bound_id):
    rep = reports[bound_id]
    assert rep.holds_for_h
    for kk, edges in rep.holds_for_h.items():
        point = next(r.point for r in rep.sweep if r.k == kk)
        lo, hi = predicted_edges(bound_id, kk, point)
        assert edges is not None and edges[1] == pytest.approx(hi, abs=5e-3), (kk, edges)
        if edges[0] is not None:  # None: still holding at the grid's smallest h
            assert edges[0] == pytest.approx(lo, abs=5e-3), (kk, edges)


def test_wrong_rate_is_violated():
    pytest.importorskip("PEPit")
    good = get("gd.strongly_convex")
    wrong = replace(good, expr=R * (1 - 2 * mu / L) ** k)
    rep = certify("gd.strongly_convex", bound=wrong, sweep=False, ks=(1, 2), n_points=1)
    assert rep.status == "VIOLATED" and not rep.ok
    assert all(r.verdict == "VIOLATED" for r in rep.rows)


def test_asymptotic_heavy_ball_rate_is_violated():
    # The catalogue notes that q^k R alone (the spectral radius) is not a bound at small k.
    pytest.importorskip("PEPit")
    q = (sp.sqrt(L) - sp.sqrt(mu)) / (sp.sqrt(L) + sp.sqrt(mu))
    wrong = replace(get("heavy_ball.quadratic"), expr=R * q**k)
    rep = certify("heavy_ball.quadratic", bound=wrong, sweep=False, ks=(1,), n_points=1)
    assert rep.violated


def test_false_tightness_claim_is_flagged():
    pytest.importorskip("PEPit")
    claims = replace(get("gd.convex"), tight=True)
    rep = certify("gd.convex", bound=claims, sweep=False, ks=(1, 3), n_points=1)
    assert not rep.violated and rep.not_tight_at == [1, 3]
    assert rep.status == "claims tight but is not" and not rep.ok


def test_solver_failure_is_an_error_not_a_pass(monkeypatch):
    pytest.importorskip("PEPit")
    from ratecheck.theory.pep import builders

    def fail(problem):
        raise builders.PepSolveError("CLARABEL: NumericalError")

    monkeypatch.setattr(builders, "solve", fail)
    rep = certify("gd.convex", sweep=False, ks=(1,), n_points=1)
    assert [r.verdict for r in rep.rows] == ["ERROR"] and not rep.ok
    assert json.loads(json.dumps(rep.to_dict(), allow_nan=False))["rows"][0]["worst"] is None


def test_verdict_rules():
    assert verdict(0.5, 1.0) == (0.5, "loose")
    assert verdict(0.9995, 1.0)[1] == "tight" and verdict(1.0009, 1.0)[1] == "tight"
    assert verdict(1.002, 1.0)[1] == "VIOLATED"
    assert verdict(float("inf"), 1.0)[1] == "VIOLATED"


def test_fista_schedule_matches_the_catalogue():
    pytest.importorskip("PEPit")
    from ratecheck.theory.pep.builders import fista_momentum

    t2 = (1 + 5**0.5) / 2
    t3 = (1 + (1 + 4 * t2**2) ** 0.5) / 2
    assert fista_momentum(3)[:2] == pytest.approx([0.0, (t2 - 1) / t3])


def test_cli_certify_one_bound():
    pytest.importorskip("PEPit")
    result = CliRunner().invoke(main, ["theory", "--certify", "gd.convex"])
    assert result.exit_code == 0, result.output
    assert "gd.convex" in result.output and "loose" in result.output
    result = CliRunner().invoke(main, ["theory", "--certify", "gd.strongly_convex", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ok"] and data["reports"][0]["id"] == "gd.strongly_convex"
    assert {r["verdict"] for r in data["reports"][0]["rows"]} == {"tight"}


def test_cli_uncertifiable_id_is_a_clear_error():
    result = CliRunner().invoke(main, ["theory", "--certify", "lower.convex"])
    assert result.exit_code == 2
    assert "cannot be certified" in result.output and "lower bound" in result.output
    assert CliRunner().invoke(main, ["theory", "--full"]).exit_code == 2  # --full needs --certify


def test_cli_without_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "PEPit", None)  # makes `import PEPit` raise ImportError
    monkeypatch.delitem(sys.modules, "ratecheck.theory.pep.builders", raising=False)
    result = CliRunner().invoke(main, ["theory", "--certify", "gd.convex"])
    assert result.exit_code == 2
    assert "pip install 'ratecheck[pep]'" in result.output


def test_pepit_is_imported_lazily():
    code = ("import sys, ratecheck.cli, ratecheck.theory.pep, ratecheck.theory.pep.report; "
            "assert not {'PEPit', 'cvxpy'} & set(sys.modules), sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd="/")


def test_docs_table_names_every_bound():
    doc = (ROOT / "docs" / "certification.md").read_text()
    for bound_id in certifiable():
        assert f"`{bound_id}`" in doc, bound_id
    for bound_id in uncertifiable():
        assert f"`{bound_id}`" in doc, bound_id
    assert "## Step-size sweep" in doc
    assert "| **VIOLATED** |" not in doc and "| VIOLATED |" not in doc  # no bound, no PEP row violated
    assert "claims tight but is not" not in doc
