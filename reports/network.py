"""A small neural network against the nonconvex theory (a report, not a pass/fail).

An MLP (61 -> hidden -> 10, tanh) on scikit-learn's digits (10 classes, the standardised pixels of
`datasets.load("digits")` without its bias column) trained by mini-batch SGD with a constant step on the mean
cross-entropy f. Along training, at checkpoints:

    ||grad f(x_k)||^2     the full-batch gradient, its running minimum and its running mean over iterates
                          (the mean is E||grad f(x_R)||^2 with R uniform, read at checkpoints, the quantity of
                          sgd.nonconvex; one run, so the expectation over the sampling is not averaged)
    L_est(x_k)            the Hessian's largest |eigenvalue| by power iteration on Hessian-vector products
                          (double backward): an ESTIMATE of the local curvature, a lower bound on any global L
    sigma2_est(x_k)       the mini-batch gradient variance, (1/b) (1/n) sum_i ||grad f_i - grad f||^2, from
                          per-example gradients (torch.func): also an estimate at visited points only

and the bound sgd.nonconvex evaluated with L = max L_est, sigma^2 = max sigma2_est, Delta0 = f(x_0) - 0.

Which assumptions fail for networks:
    global L     no: the Hessian of a tanh network's loss grows with the weights (the first layer's curvature scales
                 with the second layer's weights squared), so sup_x ||Hessian|| = inf. Only the curvature met along
                 the path is measured, and it drifts (progressive sharpening); ReLU networks are not even C^{1,1}.
    bounded variance  likewise only measured at visited points, not bounded over all x.
    f_low        holds: cross-entropy >= 0, so f_low = 0 is a valid lower bound; but inf f = 0 is not attained
                 (the weights would have to diverge), and Delta0 = f(x_0) counts progress that is never needed.
    step < 2/L   checked against L_est only; if L_est eta >= 2 the bound is void (reported, not drawn).
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..theory import get

INSTALL_HINT = "the network report needs torch and scikit-learn: pip install 'ratecheck[dev,data]'"


@dataclass
class NetworkRun:
    """Everything measured along one training run (plain data; arrays as lists in to_dict)."""

    hidden: int
    steps: int
    batch: int
    lr: float
    seed: int
    n: int
    params: int
    loss: list[float] = field(default_factory=list)  # f(x_k) for k = 0..steps
    grad_sq: list[float] = field(default_factory=list)  # ||grad f(x_k)||^2 (full batch), k = 0..steps
    ks: list[int] = field(default_factory=list)  # the probe checkpoints of the three below
    accuracy: list[float] = field(default_factory=list)
    L_est: list[float] = field(default_factory=list)
    sigma2_est: list[float] = field(default_factory=list)
    seconds: float = 0.0

    # ---- derived --------------------------------------------------------------------------------
    @property
    def running_min(self) -> np.ndarray:
        return np.minimum.accumulate(np.asarray(self.grad_sq))

    @property
    def running_mean(self) -> np.ndarray:
        """At k = 1..steps: the mean of ||grad f(x_j)||^2 over j < k (E||grad f(x_R)||^2 of one run)."""
        g = np.asarray(self.grad_sq)[:-1]
        return np.cumsum(g) / np.arange(1, g.size + 1)

    @property
    def L_max(self) -> float:
        return float(max(self.L_est))

    @property
    def sigma2_max(self) -> float:
        return float(max(self.sigma2_est))

    @property
    def delta0(self) -> float:
        return float(self.loss[0])  # f_low = 0 (cross-entropy >= 0)

    def bound(self) -> np.ndarray | None:
        """sgd.nonconvex at the checkpoints' k (k >= 1) with the estimated constants; None if L_est eta >= 2."""
        if self.L_max * self.lr >= 2:
            return None
        ks = np.arange(1, len(self.grad_sq), dtype=float)
        return get("sgd.nonconvex").evaluate(L=self.L_max, Delta0=self.delta0, eta=self.lr,
                                             sigma=math.sqrt(self.sigma2_max), k=ks)

    def summary(self) -> dict[str, Any]:
        b = self.bound()
        out = {"final_loss": self.loss[-1], "final_accuracy": self.accuracy[-1],
               "min_grad_sq": float(self.running_min[-1]), "mean_grad_sq": float(self.running_mean[-1]),
               "L_est_first": self.L_est[0], "L_est_max": self.L_max, "sigma2_est_max": self.sigma2_max,
               "lr_times_L_est_max": self.lr * self.L_max, "bound_final": None if b is None else float(b[-1]),
               "noise_floor": None}
        if b is not None:
            out["noise_floor"] = float(get("sgd.nonconvex").evaluate_derived(
                "noise_floor", L=self.L_max, eta=self.lr, sigma=math.sqrt(self.sigma2_max)))
            out["bound_over_mean"] = float(b[-1] / self.running_mean[-1])
            out["bound_over_min"] = float(b[-1] / self.running_min[-1])
        return out

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "summary": self.summary()}


def train(hidden: int = 32, steps: int = 1000, batch: int = 32, lr: float = 0.5, every: int = 50, seed: int = 0,
          power_iters: int = 20, threads: int = 1) -> NetworkRun:
    """Train the MLP by mini-batch SGD (with replacement): loss and full gradient at every iterate, the L and
    sigma^2 estimates and the accuracy at every `every`-th step (and the last)."""
    try:
        import torch
        from sklearn.datasets import load_digits
        from torch.func import functional_call, grad, vmap
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    from ..implementations.problems.datasets import load

    start = time.perf_counter()
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    X = torch.tensor(np.asarray(load("digits").A[:, :-1]), dtype=torch.float64)
    y = torch.tensor(load_digits().target, dtype=torch.long)
    n = X.shape[0]
    model = torch.nn.Sequential(torch.nn.Linear(X.shape[1], hidden), torch.nn.Tanh(),
                                torch.nn.Linear(hidden, 10)).double()
    names = [nm for nm, _ in model.named_parameters()]
    params = [p for p in model.parameters()]
    loss_fn = torch.nn.functional.cross_entropy

    def full_loss() -> torch.Tensor:
        return loss_fn(model(X), y)

    def example_loss(ps, x, t):
        out = functional_call(model, dict(zip(names, ps, strict=True)), (x[None],))
        return loss_fn(out, t[None])

    per_example = vmap(grad(example_loss), in_dims=(None, 0, 0))
    run = NetworkRun(hidden, steps, batch, lr, seed, n, sum(p.numel() for p in params))
    gen = torch.Generator().manual_seed(seed)
    rng_power = torch.Generator().manual_seed(seed + 1)

    def probe(k: int) -> None:  # the expensive estimates: curvature, variance, accuracy
        loss = full_loss()
        g = torch.autograd.grad(loss, params, create_graph=True)
        flat = torch.cat([t.reshape(-1) for t in g])
        v = torch.randn(flat.numel(), generator=rng_power, dtype=torch.float64)
        lam = 0.0
        for _ in range(power_iters):  # power iteration on v -> H v (the largest |eigenvalue|)
            v = v / v.norm()
            hv = torch.autograd.grad(flat, params, grad_outputs=v, retain_graph=True)
            hv = torch.cat([t.reshape(-1) for t in hv])
            lam = float(v @ hv)
            v = hv
        with torch.no_grad():
            G = per_example(tuple(p.detach() for p in params), X, y)
            G = torch.cat([t.reshape(n, -1) for t in G], dim=1)
            var = float(((G - G.mean(dim=0)) ** 2).sum(dim=1).mean()) / batch
            acc = float((model(X).argmax(dim=1) == y).double().mean())
        run.ks.append(k)
        run.accuracy.append(acc)
        run.L_est.append(abs(lam))
        run.sigma2_est.append(var)

    opt = torch.optim.SGD(params, lr=lr)
    for k in range(steps + 1):
        loss = full_loss()
        g = torch.autograd.grad(loss, params)
        run.loss.append(float(loss.detach()))
        run.grad_sq.append(float(sum((t * t).sum() for t in g)))
        if k % every == 0 or k == steps:
            probe(k)
        if k == steps:
            break
        idx = torch.randint(n, (batch,), generator=gen)
        opt.zero_grad()
        loss_fn(model(X[idx]), y[idx]).backward()
        opt.step()
    run.seconds = time.perf_counter() - start
    return run


def network_text(run: NetworkRun) -> str:
    """The report's prose: what was measured, how far it is from the bound, which assumptions fail."""
    s = run.summary()
    lines = [
        f"MLP {run.params} parameters (61-{run.hidden}-10, tanh), digits n={run.n}, SGD batch {run.batch}, "
        f"step {run.lr:g}, {run.steps} steps, {run.seconds:.1f} s",
        f"final loss {s['final_loss']:.4f}, training accuracy {s['final_accuracy']:.1%}",
        f"||grad f||^2: min along training {s['min_grad_sq']:.3g}, mean over the iterates {s['mean_grad_sq']:.3g}",
        f"L ESTIMATED by power iteration on Hessian-vector products: {s['L_est_first']:.3g} at x_0, max "
        f"{s['L_est_max']:.3g} along the path (step x L_est = {s['lr_times_L_est_max']:.2f}; the theory needs < 2)",
        f"sigma^2 ESTIMATED (mini-batch variance at visited points): max {s['sigma2_est_max']:.3g}",
    ]
    if s["bound_final"] is None:
        lines.append("sgd.nonconvex does not apply: step x L_est >= 2 (the measured curvature outgrew the step)")
    else:
        lines.append(
            f"sgd.nonconvex with these estimates: {s['bound_final']:.3g} at k={run.steps} (noise floor "
            f"{s['noise_floor']:.3g}); observed mean {s['mean_grad_sq']:.3g}: the bound is "
            f"{s['bound_over_mean']:.0f}x the observed mean and {s['bound_over_min']:.0f}x the observed minimum")
    lines += [
        "Assumptions: a global L fails (the loss's Hessian is unbounded in the weights; only the curvature met "
        "along this path is measured, and it is an estimate); bounded variance likewise holds only at visited "
        "points; f_low = 0 holds (cross-entropy >= 0) but is not attained, so Delta0 = f(x_0) is pessimistic.",
    ]
    return "\n".join(lines)


def network_figure(run: NetworkRun) -> Figure:
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11.5, 4.2))
    every = np.arange(len(run.grad_sq))
    ax.plot(every[1:], run.grad_sq[1:], "-", color="0.75", lw=0.6, label="||grad f(x_k)||^2 (full batch)")
    ax.plot(every[1:], run.running_min[1:], "C0-", label="running min")
    ax.plot(every[1:], run.running_mean, "C2-", label="mean over j < k (E||grad f(x_R)||^2, one run)")
    b = run.bound()
    if b is not None:
        ax.plot(every[1:], b, "k--", label="sgd.nonconvex with ESTIMATED L, sigma^2")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("SGD step k")
    ax.set_ylabel("squared gradient norm")
    ax.set_title(f"MLP on digits: stationarity vs the nonconvex bound ({run.params} params)", fontsize=10)
    ax.legend(fontsize=7)
    ax2.plot(run.ks, run.L_est, "C3-", label="L estimate (power iteration on HVPs)")
    ax2.axhline(2 / run.lr, color="C3", ls=":", label="2 / step (the theory's limit)")
    ax2.set_xlabel("SGD step k")
    ax2.set_ylabel("curvature")
    ax3 = ax2.twinx()
    ax3.plot(np.arange(len(run.loss)), run.loss, "C1-", lw=0.8, label="loss f(x_k)")
    ax3.set_ylabel("loss")
    ax2.legend(loc="upper left", fontsize=7)
    ax3.legend(loc="upper right", fontsize=7)
    ax2.set_title("the curvature met along training (estimated, not a global L)", fontsize=10)
    fig.tight_layout()
    return fig
