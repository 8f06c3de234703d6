"""ratecheck: the convergence theory of first-order optimizers as executable, property-based checks.

Subpackages (one folder each in the repository):
    ratecheck.theory           bounds derived in SymPy, as a registry
    ratecheck.implementations  reference optimizers, problems with exact constants, counted oracles
    ratecheck.checks           Hypothesis property checks of an optimizer against the theory
    ratecheck.assignments      nbgrader assignments graded by the checks
"""

__version__ = "0.1.0"
