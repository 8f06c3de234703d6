"""ratecheck.implementations."""
