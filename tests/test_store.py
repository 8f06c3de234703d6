"""theory.store: certificates and envelope tables kept between runs, never trusted blindly, off on request."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from ratecheck.methods import multistep
from ratecheck.theory import get, iqc, store
from ratecheck.theory import multistep as derived


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """An empty store and empty in-memory caches (as a new process would have)."""
    monkeypatch.setenv("RATECHECK_CACHE_DIR", str(tmp_path / "cache"))

    def clear() -> None:
        iqc._certify.cache_clear()
        derived._TABLES.clear()
        derived.envelope_at.cache_clear()

    clear()
    yield clear
    clear()


def tm_numeric(L: float = 30.0, mu: float = 1.0):
    """Triple momentum's coefficients at (L, mu), with the store emptied after building the spec (which
    certifies at kappa 10 and 100 itself)."""
    tm = get("triple_momentum.iterates")
    spec = multistep("tm-store", dict(tm.hyperparameters), x=["1 + beta", "-beta"], y=["1 + gamma", "-gamma"],
                     step="alpha")
    if store.root() is not None:
        shutil.rmtree(store.root(), ignore_errors=True)
    return derived.numeric_at(spec.spec.coefficients(), L, mu)


def count_solves(monkeypatch) -> list[int]:
    calls = [0]
    solve = iqc._solve_certificate

    def counted(*args):
        calls[0] += 1
        return solve(*args)

    monkeypatch.setattr(iqc, "_solve_certificate", counted)
    return calls


def test_a_rerun_loads_the_certificate_it_stored(fresh, monkeypatch) -> None:
    num = tm_numeric()
    calls = count_solves(monkeypatch)
    first = iqc.certify(num, 30.0, 1.0)
    fresh()  # a new process: memory empty, the store kept
    again = iqc.certify(num, 30.0, 1.0)
    assert first is not None and again == first
    assert calls[0] == 1


def test_a_tampered_stored_certificate_is_solved_again(fresh, monkeypatch) -> None:
    """A stored rho below what P proves (or a damaged file) fails the float64 re-check: solved afresh, so a
    made-up rate never comes out of the store."""
    num = tm_numeric()
    calls = count_solves(monkeypatch)
    honest = iqc.certify(num, 30.0, 1.0)
    (entry,) = (store.root() / "certificate").glob("*.json")
    data = json.loads(entry.read_text())
    data["value"]["rho"] = 0.5 * honest.rho
    entry.write_text(json.dumps(data))
    fresh()
    assert iqc.certify(num, 30.0, 1.0) == honest
    entry.write_text("{ not json")
    fresh()
    assert iqc.certify(num, 30.0, 1.0) == honest
    assert calls[0] == 3


def test_stored_envelope_tables_equal_computed_ones_and_extend(fresh) -> None:
    num = tm_numeric(7.0)
    computed = derived.state_envelope(num, 7.0, 1.0, 300).copy()
    fresh()
    np.testing.assert_array_equal(derived.state_envelope(num, 7.0, 1.0, 300), computed)
    longer = derived.state_envelope(num, 7.0, 1.0, 900)  # beyond the stored table: run again from k = 0
    np.testing.assert_array_equal(longer[:301], computed)
    fresh()
    derived._TABLES.clear()
    np.testing.assert_array_equal(derived.envelope(num, 7.0, 1.0, 900), longer)


def test_no_cache_writes_nothing(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("RATECHECK_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("RATECHECK_NO_CACHE", "1")
    iqc._certify.cache_clear()
    derived._TABLES.clear()
    num = tm_numeric(12.0)
    assert iqc.certify(num, 12.0, 1.0) is not None
    derived.state_envelope(num, 12.0, 1.0, 100)
    assert store.root() is None and not list(tmp_path.iterdir())
