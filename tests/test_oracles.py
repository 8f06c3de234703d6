"""CountedOracle: exact counts and flops, clear rejections of malformed calls, nothing exposed."""

from __future__ import annotations

import dataclasses
import types
import warnings

import numpy as np
import pytest
from ratecheck.implementations import (
    CountedOracle,
    OracleCallError,
    Problem,
    gradient_descent,
    least_squares,
    least_squares_rank_deficient,
    logistic,
    nesterov_worst_case,
    noisy_quadratic,
    quadratic,
    quadratic_spectrum,
    sgd,
    sgd_replicates,
    svrg,
)
from ratecheck.implementations.problems import propagates_nonfinite


@pytest.fixture
def ls():
    return least_squares(30, 4, rng=0)


def test_counts_and_flops_follow_the_cost_model(ls):
    n, d = 30, 4
    oracle = CountedOracle(ls)
    assert (oracle.n, oracle.d) == (n, d)
    sgd(oracle.grad_i, n, np.zeros(d), 0.01, 50, np.random.default_rng(0), batch_size=3)
    gradient_descent(oracle.grad, np.zeros(d), 0.01, 7)
    oracle.value(np.zeros(d))
    assert oracle.counts() == {"full_gradients": 7, "component_gradients": 150, "values": 1,
                               "work": 150 + 7 * n, "flops": 7 * 4 * n * d + 150 * 4 * d + 2 * n * d}
    oracle.reset()
    assert oracle.counts()["work"] == 0 and oracle.flops == 0
    sgd_replicates(oracle.grad_i_batched, n, np.zeros(d), 0.01, 10, 0, replicates=6, batch_size=2)
    assert oracle.component_gradients == 6 * 10 * 2


def test_quadratic_cost_model_and_svrg_work():
    problem = quadratic_spectrum(10, 0.5, 1.0, rng=0)
    oracle = CountedOracle(problem)
    gradient_descent(oracle.grad, np.zeros(10), 1.0, 12)
    assert oracle.flops == 12 * 2 * 10**2  # a dense matvec: 2 d^2
    ls = least_squares(20, 3, rng=1)
    oracle = CountedOracle(ls)
    svrg(oracle.grad, oracle.grad_i, 20, np.zeros(3), 0.01, 3, np.random.default_rng(0), inner_steps=15)
    assert (oracle.full_gradients, oracle.component_gradients, oracle.work) == (3, 90, 3 * (20 + 30))


def test_results_match_the_problem_and_are_fresh(ls):
    oracle = CountedOracle(ls)
    x = np.arange(4.0)
    np.testing.assert_array_equal(oracle.grad(x), ls.grad(x))
    np.testing.assert_array_equal(oracle.grad_i(x, np.array([3, 3, 7])), ls.grad_i(x, np.array([3, 3, 7])))
    assert oracle.value(x) == ls.f(x)
    g = oracle.grad(x)
    g[:] = 1e9  # mutating a result changes nothing inside
    np.testing.assert_array_equal(oracle.grad(x), ls.grad(x))


def test_lists_ints_and_huge_finite_points_are_accepted(ls):
    oracle = CountedOracle(ls)
    np.testing.assert_allclose(oracle.grad([1, 2, 3, 4]), ls.grad(np.array([1.0, 2, 3, 4])))
    np.testing.assert_allclose(oracle.grad_i(np.ones(4), [0, 29]), ls.grad_i(np.ones(4), np.array([0, 29])))
    np.testing.assert_allclose(oracle.grad_i(np.ones(4), np.array([2], dtype=np.uint8)),
                               ls.grad_i(np.ones(4), np.array([2])))
    big = np.full(4, 1e307)  # sum(x) overflows, but x is finite: the slow path must accept it
    with np.errstate(over="ignore"):
        oracle.grad(big)
    assert oracle.full_gradients == 2


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda o: o.grad(np.zeros(5)), r"grad\(x\): x must have shape \(4,\), got shape \(5,\)"),
        (lambda o: o.grad(np.zeros((4, 1))), r"x must have shape \(4,\), got shape \(4, 1\)"),
        (lambda o: o.grad(np.array([0, np.nan, 0, 0])), r"grad\(x\): x must be finite, got nan at index 1"),
        (lambda o: o.grad(np.array([0, 0, -np.inf, 0])), "x must be finite, got -inf at index 2"),
        (lambda o: o.grad(np.zeros(4, complex)), "x must be a real array"),
        (lambda o: o.grad("abcd"), "x must be a real array"),
        (lambda o: o.grad_i(np.zeros(4), np.array([0.0])), "idx must be a 1-D integer array .* got dtype float64"),
        (lambda o: o.grad_i(np.zeros(4), np.array([True])), "got dtype bool"),
        (lambda o: o.grad_i(np.zeros(4), np.array([[1]])), r"idx must have 1 dimension\(s\), got shape \(1, 1\)"),
        (lambda o: o.grad_i(np.zeros(4), 3), r"idx must have 1 dimension\(s\), got shape \(\)"),
        (lambda o: o.grad_i(np.zeros(4), np.array([], dtype=int)), "idx must be non-empty"),
        (lambda o: o.grad_i(np.zeros(4), np.array([-1])), r"indices must lie in \[0, n\) = \[0, 30\), got -1"),
        (lambda o: o.grad_i(np.zeros(4), np.array([30])), r"\[0, 30\), got 30"),
        (lambda o: o.grad_i(np.zeros(4), np.array([0, 5, 31])), "got 31"),
        (lambda o: o.grad_i(np.zeros(4), np.arange(-1, 40)), "got -1"),
        (lambda o: o.grad_i(np.zeros(4), np.arange(-1, 99)), "got -1"),  # long idx: the one-reduction check
        (lambda o: o.grad_i(np.zeros(4), np.arange(5, 105)), "got 30"),
        (lambda o: o.grad_i(np.zeros(4), np.arange(60)[::-2]), "got 59"),  # strided
        (lambda o: o.grad_i(np.full(4, np.inf), np.array([1])), r"grad_i\(x, idx\): x must be finite"),
        (lambda o: o.grad_i_batched(np.zeros((2, 3)), np.zeros((2, 1), int)), r"real array of shape \(R, 4\)"),
        (lambda o: o.grad_i_batched(np.full((2, 4), np.nan), np.zeros((2, 1), int)), r"finite, got nan at X\[0, 0\]"),
        (lambda o: o.grad_i_batched(np.zeros((2, 4)), np.zeros((3, 1), int)), "IDX must have one row per row of X"),
        (lambda o: o.grad_i_batched(np.zeros((2, 4)), np.full((2, 1), 30)), r"\[0, 30\), got 30"),
        (lambda o: o.grad_i_batched(np.zeros((2, 4)), np.zeros(2, int)), r"idx must have 2 dimension\(s\)"),
        (lambda o: o.value(np.array([np.nan, 0, 0, 0])), r"value\(x\): x must be finite"),
    ],
)
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # numpy, on the inf points
def test_malformed_calls_are_rejected_and_not_counted(ls, call, match):
    oracle = CountedOracle(ls)
    with pytest.raises(OracleCallError, match=match):
        call(oracle)
    assert oracle.work == 0 and oracle.values == 0
    assert issubclass(OracleCallError, ValueError)


# Problems whose oracle reads finiteness off the first entry of the result (oracles.py fast path).
PROPAGATING = {
    "quadratic": lambda: quadratic_spectrum(5, 0.1, 1.0, rng=0),
    "quadratic d=1": lambda: quadratic_spectrum(1, 2.0, 2.0, rng=0),
    "quadratic, zero eigenvalues": lambda: quadratic(np.array([0.0, 0.0, 0.0, 1.0]), rng=0),
    "nesterov worst case": lambda: nesterov_worst_case(6, 1.0, mu=0.1),
    "least squares": lambda: least_squares(30, 4, rng=0),
    "least squares, interpolating": lambda: least_squares(30, 4, rng=0, interpolating=True),
    "least squares, rank deficient": lambda: least_squares_rank_deficient(20, 5, 2, rng=0),
    "noisy quadratic, finite": lambda: noisy_quadratic(4, 0.1, 1.0, 2.0, rng=0, n=10),
    "noisy quadratic, gaussian": lambda: noisy_quadratic(4, 0.1, 1.0, 2.0, rng=0),
}
BAD = (np.inf, -np.inf, np.nan)


def _poisons(problem) -> bool:
    """Whether every entry of grad and grad_i is inf/nan for x with one non-finite entry, at every position:
    what `propagates_nonfinite` promises."""
    with np.errstate(all="ignore"):
        for j in range(problem.d):
            for bad in BAD:
                x = np.ones(problem.d)
                x[j] = bad
                results = [problem.grad(x)] + [problem.grad_i(x, np.array(idx) % problem.n)
                                               for idx in ([0], [1, 2, 1], list(range(20)))]
                for b in (1, 3):  # batched: the row of the bad point, whole
                    IDX = np.arange(2 * b).reshape(2, b) % problem.n
                    results.append(problem.grad_i_batched(np.stack([np.zeros(problem.d), x]), IDX)[1])
                if any(np.isfinite(g).any() for g in results):
                    return False
    return True


def _marked(problem) -> bool:
    fns = (problem.grad, problem.grad_i, problem.grad_i_batched)
    return all(getattr(fn, "propagates_nonfinite", False) for fn in fns)


@pytest.mark.parametrize("name", PROPAGATING)
def test_marked_problems_propagate_non_finite_points_to_every_gradient_entry(name):
    problem = PROPAGATING[name]()
    assert _marked(problem) and _poisons(problem)


def test_the_propagation_check_catches_a_problem_that_does_not_propagate():
    # The logistic gradient saturates (sigmoid(inf) = 1), so a non-finite x can give finite entries: it
    # keeps the up-front check; marking it would be wrong, and the property above says so.
    problem = logistic(50, 3, 0.1, rng=0)
    assert not any(getattr(fn, "propagates_nonfinite", False)
                   for fn in (problem.grad, problem.grad_i, problem.grad_i_batched))
    assert not _poisons(problem)
    wrongly_marked = dataclasses.replace(problem, grad=propagates_nonfinite(lambda x: problem.grad(x)))
    wrongly_flagged = CountedOracle(wrongly_marked)
    x = np.array([0.0, np.inf, 0.0])
    with np.errstate(all="ignore"):
        g = wrongly_flagged.grad(x)  # accepted: what the property above protects against
    assert np.isfinite(g[0]) and not np.isfinite(g[1])
    with pytest.raises(OracleCallError, match="got inf at index 1"):
        CountedOracle(problem).grad(x)


@pytest.mark.parametrize("fp_mode", ["default", "warnings are errors", "np.seterr raise"])
@pytest.mark.parametrize("name", [*PROPAGATING, "logistic"])
def test_every_non_finite_point_is_rejected_and_not_counted(name, fp_mode):
    problem = logistic(50, 3, 0.1, rng=0) if name == "logistic" else PROPAGATING[name]()
    oracle = CountedOracle(problem, record=True)
    calls = {"grad(x)": lambda x: oracle.grad(x), "grad_i(x, idx)": lambda x: oracle.grad_i(x, np.array([0])),
             "grad_i(x, idx) ": lambda x: oracle.grad_i(x, np.array([0, 1, 0]) % problem.n)}
    with warnings.catch_warnings(), np.errstate(all="raise" if fp_mode == "np.seterr raise" else "warn"):
        warnings.simplefilter("error" if fp_mode == "warnings are errors" else "ignore")
        for j in range(problem.d):
            for bad in BAD:
                x = np.zeros(problem.d)
                x[j] = bad
                for where, call in calls.items():
                    expected = f"{where.strip()}: x must be finite, got {bad} at index {j}"
                    with pytest.raises(OracleCallError) as info:
                        call(x)
                    err = info.value  # and no numpy warning chained under it
                    assert str(err) == expected and (err.__context__ is None or err.__suppress_context__)
                X = np.stack([np.zeros(problem.d), x])
                with pytest.raises(OracleCallError) as info:
                    oracle.grad_i_batched(X, np.zeros((2, 2), dtype=int))
                assert str(info.value) == f"grad_i_batched(X, IDX): X must be finite, got {bad} at X[1, {j}]"
    assert oracle.counts()["work"] == 0 and oracle.log == ()
    oracle.grad(np.zeros(problem.d))
    assert oracle.full_gradients == 1


@pytest.mark.parametrize("fp_mode", ["default", "warnings are errors", "np.seterr raise"])
@pytest.mark.parametrize("name", ["least squares", "logistic"])
def test_mixed_infinities_are_rejected_in_every_floating_point_mode(name, fp_mode):
    problem = logistic(50, 3, 0.1, rng=0) if name == "logistic" else PROPAGATING[name]()
    oracle = CountedOracle(problem)
    x = np.array([np.inf, -np.inf, 0.0] + [0.0] * (problem.d - 3))  # inf - inf in any sum over x
    with warnings.catch_warnings(), np.errstate(all="raise" if fp_mode == "np.seterr raise" else "warn"):
        warnings.simplefilter("error" if fp_mode == "warnings are errors" else "ignore")
        for call in (lambda: oracle.grad(x), lambda: oracle.grad_i(x, np.array([1])),
                     lambda: oracle.grad_i_batched(x[None, :], np.array([[1]])),
                     lambda: oracle.grad_i_batched(np.stack([x, -x, x]), np.ones((3, 1), dtype=int))):
            with pytest.raises(OracleCallError, match="must be finite, got inf at"):
                call()
    assert oracle.work == 0


def test_a_replaced_gradient_is_used_as_given():
    # The inlined H x - c and the propagation mark belong to the function: replacing grad drops both.
    problem = quadratic_spectrum(4, 0.1, 1.0, rng=0)
    other = dataclasses.replace(problem, grad=lambda x: 2.0 * problem.grad(x))
    x = np.arange(4.0)
    np.testing.assert_array_equal(CountedOracle(other).grad(x), 2.0 * problem.grad(x))
    np.testing.assert_array_equal(CountedOracle(problem).grad(x), problem.grad(x))
    with pytest.raises(OracleCallError, match="got nan at index 2"):
        CountedOracle(other).grad(np.array([0.0, 0.0, np.nan, 0.0]))


def test_a_finite_point_whose_gradient_overflows_is_accepted():
    problem = quadratic_spectrum(3, 1.0, 10.0, rng=0)
    oracle = CountedOracle(problem)
    x = np.full(3, 1e308)
    with np.errstate(over="ignore"):
        g = oracle.grad(x)
        oracle.grad_i(x, np.array([0]))
        oracle.grad_i_batched(np.stack([x, x]), np.zeros((2, 1), dtype=int))
    assert not np.isfinite(g).all() and oracle.work == 4


def test_log_records_queries_as_copies_and_checks_the_update_rule(ls):
    oracle = CountedOracle(ls, record=True)
    lr = 0.02
    xs = sgd(oracle.grad_i, 30, np.ones(4), lr, 20, np.random.default_rng(0), batch_size=2)
    log = oracle.log
    assert len(log) == 20 and {q.kind for q in log} == {"grad_i"}
    for k, q in enumerate(log):  # the optimizer queried x_k and moved by -lr * the answer
        np.testing.assert_array_equal(q.x, xs[k])
        np.testing.assert_allclose(xs[k + 1], q.x - lr * q.result, rtol=1e-15)
        assert q.idx.shape == (2,)
    xs[:] = 0.0  # the log holds copies
    assert np.all(log[0].x == 1.0)
    unrecorded = CountedOracle(ls)
    unrecorded.grad(np.zeros(4))
    assert unrecorded.log == ()


def _reachable(obj, depth=0, seen=None):
    """Everything reachable from a callable through the introspection an optimizer could try casually."""
    seen = set() if seen is None else seen
    if id(obj) in seen or depth > 8:
        return
    seen.add(id(obj))
    yield obj
    children = []
    if isinstance(obj, types.FunctionType):
        children += [c.cell_contents for c in obj.__closure__ or ()]
        children += list(obj.__defaults__ or ()) + list((obj.__kwdefaults__ or {}).values())
        children += list(vars(obj).values())
    elif isinstance(obj, types.MethodType):
        children += [obj.__self__, obj.__func__]
    elif isinstance(obj, list | tuple | set):
        children += list(obj)
    elif isinstance(obj, dict):
        children += list(obj.values())
    elif hasattr(obj, "__dict__") and not isinstance(obj, type | types.ModuleType):
        children += list(vars(obj).values())
    for child in children:
        yield from _reachable(child, depth + 1, seen)


@pytest.mark.parametrize("make", [
    lambda: least_squares(30, 4, rng=0),
    lambda: logistic(50, 3, 0.1, rng=0),
    lambda: quadratic_spectrum(5, 0.1, 1.0, rng=0, f_star=3.25),
    lambda: nesterov_worst_case(6, 1.0, mu=0.1),
])
def test_callables_expose_no_solution(make):
    problem = make()
    oracle = CountedOracle(problem, record=True)
    handed_out = [oracle.grad, oracle.grad_i, oracle.grad_i_batched, oracle.value]
    for fn in handed_out:
        assert not hasattr(fn, "__self__")  # plain closures, not bound methods of something richer
        assert fn.__defaults__ is None and fn.__kwdefaults__ is None
    objects = [o for fn in [*handed_out, oracle] for o in _reachable(fn)]
    assert not any(isinstance(o, Problem) for o in objects)
    for o in objects:
        if isinstance(o, np.ndarray) and o.shape == problem.x_star.shape:
            assert not np.allclose(o, problem.x_star), "x_star is reachable from the oracle"
        if isinstance(o, float) and problem.f_star != 0.0:
            assert o != problem.f_star, "f_star is reachable from the oracle"


def test_oracle_needs_a_problem():
    with pytest.raises(TypeError, match="CountedOracle needs a Problem"):
        CountedOracle(object())


def test_component_rows_answer_a_batch_as_each_replicate_would_and_count_on_each():
    from ratecheck.implementations.oracles import ComponentRows
    from ratecheck.implementations.problems import least_squares

    problem = least_squares(12, 3, 0)
    oracles = [CountedOracle(problem) for _ in range(4)]
    rows = ComponentRows(oracles, problem)
    X = np.random.default_rng(1).standard_normal((3, 3))
    IDX = np.array([[0, 5], [11, 11], [3, 4]])
    G = rows.answer([0, 2, 3], X, IDX)
    want = [oracles[0].grad_i(X[0], IDX[0]), oracles[2].grad_i(X[1], IDX[1]), oracles[3].grad_i(X[2], IDX[2])]
    np.testing.assert_allclose(G, np.array(want), rtol=1e-13)
    assert [o.component_gradients for o in oracles] == [4, 0, 4, 4]  # the batch's 2 + the direct call's 2
    # anything malformed or non-finite is left to the replicates' own grad_i (None), which reports it
    assert rows.answer([0], np.array([[np.nan, 0, 0]]), np.array([[0]])) is None
    assert rows.answer([0], X[:1], np.array([[12]])) is None
    assert rows.answer([0, 1], X[:1], np.array([[1]])) is None
    assert [o.component_gradients for o in oracles] == [4, 0, 4, 4]
    recorded = ComponentRows([CountedOracle(problem, record=True)], problem)
    assert recorded.answer([0], X[:1], np.array([[1]])) is None  # a query log must see every query
