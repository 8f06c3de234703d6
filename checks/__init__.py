"""ratecheck.checks."""
