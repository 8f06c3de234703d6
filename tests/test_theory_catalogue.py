"""The catalogue as data: required ids, JSON schema, parseable expressions, k(eps), CLI, README table."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner
from ratecheck.cli import main
from ratecheck.theory import SYMBOLS, bounds, get, ids, parse
from ratecheck.theory.catalogue import readme_with_table
from ratecheck.theory.registry import derive_all

REQUIRED = [
    "gd.quadratic", "gd.strongly_convex", "gd.convex", "heavy_ball.quadratic", "nesterov.convex",
    "nesterov.strongly_convex", "lower.convex", "lower.strongly_convex", "sgd.constant", "sgd.decreasing",
    "sgd.minibatch", "work.gd", "work.sgd", "work.crossover",
    "gd.nonconvex", "sgd.nonconvex", "sgd.nonconvex_horizon", "lower.nonconvex", "work.nonconvex_crossover",
]
KEYS = {"id", "quantity", "bound", "iterations", "hyperparameters", "assumptions", "in_expectation",
        "asymptotic", "tight", "source"}
ROOT = Path(__file__).resolve().parents[1]


def test_required_ids_present():
    assert set(REQUIRED) <= set(ids())


def test_json_cli_schema_and_parse_roundtrip():
    result = CliRunner().invoke(main, ["theory", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [d["id"] for d in data] == ids()
    for d in data:
        assert KEYS <= set(d), d["id"]
        assert d["quantity"] in {"dist", "dist_sq", "gap", "n", "work", "grad_sq_min", "grad_sq_avg"}
        assert isinstance(d["hyperparameters"], dict) and isinstance(d["assumptions"], list)
        assert all(isinstance(d[f], bool) for f in ("in_expectation", "asymptotic", "tight"))
        assert d["source"]
        parsed = parse(d["bound"])
        assert {s.name for s in parsed.free_symbols} <= set(SYMBOLS)
        assert sp.simplify(parsed - get(d["id"]).expr) == 0, d["id"]
        if d["iterations"] is not None:
            it = parse(d["iterations"])
            assert sp.simplify(it - get(d["id"]).iterations) == 0, d["id"]
    assert get("work.crossover").to_dict()["quantity"] == "n"


def test_parse_rejects_unknown_symbols():
    with pytest.raises(ValueError, match=r"unknown symbol.*kappa"):
        parse("kappa*L")


def test_cache_matches_fresh_derivation():
    fresh = derive_all()
    assert [b.to_dict() for b in fresh.values()] == [b.to_dict() for b in bounds()]


def test_cli_single_bound_shows_derivation_and_unknown_id_is_usage_error():
    runner = CliRunner()
    out = runner.invoke(main, ["theory", "heavy_ball.quadratic"])
    assert out.exit_code == 0
    assert "derivation" in out.output and "Chebyshev" in out.output and "Lessard" in out.output
    bad = runner.invoke(main, ["theory", "gd.nope"])
    assert bad.exit_code == 2 and "unknown bound id 'gd.nope'" in bad.output and "gd.quadratic" in bad.output
    assert runner.invoke(main, ["theory"]).exit_code == 0
    assert "\\frac" in runner.invoke(main, ["theory", "--latex"]).output


def test_readme_table_is_generated_from_registry():
    text = (ROOT / "README.md").read_text()
    assert readme_with_table(text) == text, "README table is stale: run `make readme`"


def test_bad_input_is_a_clear_error():
    b = get("gd.strongly_convex")
    with pytest.raises(TypeError, match=r"takes \['L', 'R', 'k', 'mu'\]: missing \['R'\]"):
        b.evaluate(L=1.0, mu=0.5, k=1)
    with pytest.raises(ValueError, match="need mu <= L"):
        b.evaluate(L=1.0, mu=2.0, k=1, R=1.0)
    with pytest.raises(ValueError, match="must be > 0"):
        b.evaluate(L=1.0, mu=-1.0, k=1, R=1.0)
    with pytest.raises(KeyError, match="unknown bound id"):
        get("nope")


def _sample(rng, bd):
    vals = {}
    mu = 10 ** rng.uniform(-3, 0)
    L = mu * 10 ** rng.uniform(0.05, 4)
    pool = {"L": L, "mu": mu, "R": 10 ** rng.uniform(-1, 1), "Delta0": None, "sigma": 10 ** rng.uniform(-2, 0),
            "n": 10 ** rng.uniform(1, 5), "b": float(rng.integers(1, 64)), "d": 100.0,
            "eta": rng.uniform(0.05, 1.0) * 2 / (mu + L)}
    pool["Delta0"] = rng.uniform(0.01, 1) * L / 2 * pool["R"] ** 2
    for name in bd.parameters:
        if name != "k":
            vals[name] = pool[name]
    return vals


@pytest.mark.parametrize("bound_id", [i for i in REQUIRED if not i.startswith("work.")])
def test_k_eps_is_the_smallest_guaranteed_k(bound_id):
    """k_eps solves the bound: from k_eps on the bound is <= eps, one step earlier it is not."""
    bd = get(bound_id)
    rng = np.random.default_rng(zlib.crc32(bound_id.encode()))
    checked = 0
    for _ in range(40):
        vals = _sample(rng, bd)
        e0 = float(bd.evaluate(**vals, k=bd.k_min))
        floor = float(bd.evaluate(**vals, k=1e12))  # 0, or an SGD noise floor
        eps = floor + (e0 - floor) * 10 ** rng.uniform(-6, -0.5)
        kk = float(bd.k_eps(eps, **vals))
        if not np.isfinite(kk):  # below an SGD noise floor: the limit must indeed exceed eps
            assert bd.evaluate(**vals, k=1e12) > eps
            continue
        ks = np.arange(int(kk), int(kk) + 300)
        assert np.all(bd.evaluate(**vals, k=ks) <= eps * (1 + 1e-9)), (vals, eps, kk)
        if kk > bd.k_min:
            assert bd.evaluate(**vals, k=kk - 1) > eps, (vals, eps, kk)
        checked += 1
    assert checked >= 20


def test_k_eps_edge_cases():
    gq = get("gd.quadratic")
    assert gq.k_eps(1e-3, L=1.0, mu=1.0, R=1.0, eta=1.0) == 1  # kappa = 1: exact in one step
    assert np.isinf(gq.k_eps(1e-3, L=10.0, mu=1.0, R=1.0, eta=0.2))  # eta = 2/L: no contraction
    sc = get("sgd.constant")
    floor = float(sc.evaluate_derived("noise_floor", eta=0.1, mu=1.0, sigma=1.0))
    assert np.isinf(sc.k_eps(floor / 2, eta=0.1, mu=1.0, sigma=1.0, R=1.0))
    assert np.isfinite(sc.k_eps(floor * 2, eta=0.1, mu=1.0, sigma=1.0, R=1.0))
    assert get("gd.convex").k_eps(10.0, L=1.0, R=1.0) == 1  # k_min
    # vectorised
    out = get("gd.strongly_convex").k_eps(np.array([1e-2, 1e-4, 1e-8]), L=10.0, mu=1.0, R=1.0)
    assert out.shape == (3,) and np.all(np.diff(out) > 0)
