"""One module per assignment: what each of its autograded cells checks (see ratecheck.assignments.spec)."""
