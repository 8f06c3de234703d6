# %% [markdown]
# # Contraction factor
#
# Gradient descent with the step $\eta = h/L$ on a quadratic whose Hessian has eigenvalues in $[\mu, L]$
# multiplies the error along each eigenvector by $1 - h\lambda/L$.

# %%
import sympy as sp
from ratecheck.assignments.spec import check
from ratecheck.theory import SYMBOLS

L, mu = SYMBOLS["L"], SYMBOLS["mu"]

# %% nbgrader={"grade_id": "variant", "locked": true}
VARIANT = ...  # filled in by the build

# %% [markdown]
# Define `q`: the largest $|1 - h\lambda/L|$ over $\lambda \in [\mu, L]$ for your `h = VARIANT["h"]`.

# %% nbgrader={"grade_id": "answer", "solution": true}
### BEGIN SOLUTION
q = 1 - sp.nsimplify(VARIANT["h"]) * mu / L
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_q", "points": 2}
check("test_q", globals())
### BEGIN HIDDEN TESTS
check("test_q", globals(), hidden=True)
### END HIDDEN TESTS
