"""ratecheck.grading: tamper-proof grading of submissions (isolated runner, gradebook, batches)."""
