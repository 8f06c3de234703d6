"""The properties a method is checked for. Per setting: bound (deterministic) or statistics (SGD),
stationarity (the nonconvex settings: gradient norms, no x*), discipline, conformance, stall (deterministic).
Per method: regimes (gd, sgd) and impossibility (deterministic methods)."""

from . import bound, conformance, discipline, impossibility, regimes, stall, stationarity, statistics

PER_SETTING = {"bound": bound.check, "statistics": statistics.check, "stationarity": stationarity.check,
               "discipline": discipline.check, "conformance": conformance.check, "stall": stall.check}
PER_METHOD = {"regimes": regimes.check, "impossibility": impossibility.check}
ALL = (*PER_SETTING, *PER_METHOD)

__all__ = ["ALL", "PER_METHOD", "PER_SETTING"]
