"""Certification of the theory against PEPit's exact worst cases (optional extra `ratecheck[pep]`).

    >>> from ratecheck.theory.pep import certify
    >>> certify("gd.convex").status          # PEPit worst cases at sampled L, R and k = 1, 2, 4
    'valid, loose (max ratio 0.444)'

Nothing here imports PEPit until a PEP is built, so the catalogue works without the extra.
"""

from .certify import PepUnavailable, Report, Row, certifiable, certify, certify_all, uncertifiable, verdict
from .specs import SPECS, Spec

__all__ = ["SPECS", "PepUnavailable", "Report", "Row", "Spec", "certifiable", "certify", "certify_all",
           "uncertifiable", "verdict"]
