"""grading/child.py's handlers, one request at a time, in this process: a fake grader on the other end of the
channel answers oracle queries (f = ||x||^2 / 2, so grad(x) = x) and records every message. The sandbox tests
run the same handlers in the isolated child; these pin down each handler's replies."""

from __future__ import annotations

import numpy as np
import pytest
from ratecheck.grading.child import HANDLERS, Session


class Grader:
    """The grader's side: requests to send (`inbox`), every message the child sent (`sent`), oracle answers."""

    def __init__(self, *requests: tuple[dict, dict], refuse: str = "") -> None:
        self.inbox, self.sent, self.refuse, self.queries = list(requests), [], refuse, 0

    def send(self, header: dict, arrays: dict | None = None) -> None:
        self.sent.append((header, arrays or {}))

    def recv(self) -> tuple[dict, dict]:
        header, arrays = self.sent[-1] if self.sent else ({}, {})
        if header.get("op") in ("grad", "grad_i"):
            self.queries += 1
            return ({"op": "error", "msg": self.refuse}, {}) if self.refuse else ({"op": "answer"}, {"g": arrays["x"]})
        if header.get("op") == "grads":
            self.queries += len(header["ids"])
            return {"op": "answers", "refused": {}}, {"G": arrays["X"].copy()}
        if not self.inbox:
            raise EOFError("the grader closed the channel")
        return self.inbox.pop(0)

    def reply(self) -> tuple[dict, dict]:
        return self.sent[-1]


def session(*cells: str, refuse: str = "") -> tuple[Session, Grader]:
    grader = Grader(refuse=refuse)
    s = Session(grader.send, grader.recv)
    s.on_load({"op": "load", "cells": list(cells)}, {})
    return s, grader


GD = """
import numpy as np
def gd(grad, x0, lr, steps):
    xs = [np.asarray(x0, dtype=float)]
    for _ in range(steps):
        xs.append(xs[-1] - lr * grad(xs[-1]))
    return np.array(xs)
"""
CALL = {"args": [["oracle", "grad"], ["x0", None], ["value", 0.5], ["value", 3]]}


def test_the_table_names_every_request():
    assert set(HANDLERS) == {"load", "call", "rcall", "has", "evaluate", "value", "invoke"}


def test_load_reports_the_functions_and_the_cells_that_do_not_parse():
    _, grader = session(GD, "def broken(:\n    pass")
    header, _ = grader.reply()
    assert header["op"] == "loaded" and "gd" in header["names"]
    assert len(header["errors"]) == 1 and "cell 1" in header["errors"][0], header["errors"]


def test_call_runs_the_function_on_the_grader_s_oracle():
    s, grader = session(GD)
    s.on_call({"op": "call", "name": "gd", "args": CALL}, {"x0": np.array([4.0, -2.0])})
    header, arrays = grader.reply()
    assert header == {"op": "result", "type": "ndarray", "dtype": "float64"}
    np.testing.assert_allclose(arrays["xs"], [[4, -2], [2, -1], [1, -0.5], [0.5, -0.25]])
    assert grader.queries == 3  # one gradient per step, each answered by the grader


def test_call_reports_a_refused_oracle_and_an_unknown_function_as_errors():
    s, grader = session(GD, refuse="budget spent")
    s.on_call({"op": "call", "name": "gd", "args": CALL}, {"x0": np.array([1.0])})
    assert grader.reply()[0] == {"op": "error", "msg": "OracleError: budget spent"}
    s.on_call({"op": "call", "name": "sgd", "args": CALL}, {"x0": np.array([1.0])})
    assert grader.reply()[0]["msg"].startswith("the submission defines no function 'sgd'")


def test_a_submission_that_rebinds_numpy_does_not_break_the_reply():
    """The handlers hold numpy's functions from before student code ran: a cell breaking np.asarray breaks only
    the student's own code."""
    s, grader = session("def ones(grad, x0, lr, steps):\n    return [[1.0]] * (steps + 1)",
                        "import numpy as np\nnp.asarray = np.float64 = None")
    real = np.asarray, np.float64
    try:
        s.prepare(["np"], None)  # runs the rebinding cell
        assert np.asarray is None
        s.on_call({"op": "call", "name": "ones", "args": CALL}, {"x0": np.array([2.0])})
    finally:
        np.asarray, np.float64 = real
    header, arrays = grader.reply()
    assert header["op"] == "result" and header["type"] == "list" and arrays["xs"].shape == (4, 1)


def test_names_are_looked_up_as_they_stood_when_the_test_cell_ran():
    s, grader = session("def f():\n    return 1", "# test cell", "def f():\n    return 2", "# test cell")
    for upto, expected in ((1, 1.0), (3, 2.0), (None, 2.0)):
        s.on_invoke({"op": "invoke", "name": "f", "upto": upto, "args": []}, {})
        header, arrays = grader.reply()
        assert header["op"] == "result" and float(arrays["v"]) == expected


def test_evaluate_a_sympy_answer_at_points_and_report_what_fails():
    s, grader = session("import sympy as sp\nL, mu = sp.symbols('L mu', positive=True)\nrate = 1 - mu / L")
    s.on_evaluate({"op": "evaluate", "name": "rate", "points": [{"L": 10, "mu": 1}, {"L": 4, "mu": 2}]}, {})
    header, arrays = grader.reply()
    assert header["op"] == "result" and header["errors"] == []
    np.testing.assert_allclose(arrays["v"], [0.9, 0.5])
    s.on_evaluate({"op": "evaluate", "name": "rate", "points": [{"mu": 1}]}, {})  # L missing: not a number
    header, arrays = grader.reply()
    assert np.isnan(arrays["v"][0]) and header["errors"] and "TypeError" in header["errors"][0]


def test_value_invoke_and_has():
    s, grader = session("xs = [[1.0, 2.0], [3.0, 4.0]]\ndef div(a, b):\n    return a / b")
    s.on_value({"op": "value", "name": "xs"}, {})
    assert grader.reply()[0]["type"] == "list" and grader.reply()[1]["v"].shape == (2, 2)
    s.on_invoke({"op": "invoke", "name": "div", "args": [1.0, 0.0]}, {})
    assert grader.reply()[0] == {"op": "error", "msg": "ZeroDivisionError: float division by zero"}
    s.on_invoke({"op": "invoke", "name": "xs", "args": []}, {})
    assert grader.reply()[0]["msg"] == "TypeError: it is not a function"
    s.on_value({"op": "value", "name": "missing"}, {})
    assert grader.reply()[0]["msg"].startswith("the submission does not define 'missing'")
    for name, expected in (("div", 1.0), ("xs", 0.0), ("missing", 0.0)):
        s.on_has({"op": "has", "name": name}, {})
        assert float(grader.reply()[1]["v"][0]) == expected


def test_a_cell_that_raises_is_reported_with_its_cell_and_line():
    s, grader = session("x = 1\ny = 1 / 0")
    s.on_value({"op": "value", "name": "y"}, {})
    msg = grader.reply()[0]["msg"]
    assert msg.startswith("the submission does not define 'y'") and "cell 0, line 2: ZeroDivisionError" in msg


SGD = """
import numpy as np
def sgd(grad_i, n, x0, lr, steps, rng):
    xs = [np.asarray(x0, dtype=float)]
    for _ in range(steps):
        i = rng.integers(n, size=1)
        xs.append(xs[-1] - lr * grad_i(xs[-1], i))
    return np.array(xs)
"""


def test_rcall_runs_replicates_with_their_queries_batched():
    pytest.importorskip("greenlet", reason="batched replicates need the grade extra")
    s, grader = session(SGD)
    states = [np.random.default_rng(r).bit_generator.state for r in range(3)]
    args = {"args": [["oracle", "grad_i"], ["value", 5], ["x0", None], ["value", 0.5], ["value", 2], ["rng", None]],
            "rng_states": states}
    s.on_rcall({"op": "rcall", "name": "sgd", "args": args}, {"x0": np.array([8.0])})
    header, arrays = grader.reply()
    batches = [h for h, _ in grader.sent if h["op"] == "grads"]
    assert [b["ids"] for b in batches] == [[0, 1, 2], [0, 1, 2]]  # two steps, three replicates per message
    assert header["op"] == "result" and header["errors"] == {}
    for r in range(3):
        np.testing.assert_allclose(arrays[f"xs{r}"][:, 0], [8.0, 4.0, 2.0])


def test_serve_dispatches_until_exit_and_answers_unknown_requests():
    grader = Grader(({"op": "load", "cells": [GD]}, {}), ({"op": "nope"}, {}),
                    ({"op": "has", "name": "gd"}, {}), ({"op": "exit"}, {}), ({"op": "has", "name": "gd"}, {}))
    Session(grader.send, grader.recv).serve(EOFError)
    ops = [h.get("op") for h, _ in grader.sent]
    assert ops == ["loaded", "error", "result"] and grader.sent[1][0]["msg"] == "unknown request 'nope'"
    assert len(grader.inbox) == 1  # nothing read after exit


def test_serve_returns_when_the_channel_closes():
    grader = Grader(({"op": "load", "cells": [GD]}, {}))
    Session(grader.send, grader.recv).serve(EOFError)  # recv raises EOFError once the inbox is empty
    assert [h["op"] for h, _ in grader.sent] == ["loaded"]
