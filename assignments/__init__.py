"""ratecheck.assignments."""
