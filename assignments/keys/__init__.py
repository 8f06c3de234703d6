"""The answer keys: how each built-in assignment's reference answers are derived for a student's variant (the
hidden checks' side). Kept apart from the specs because the specs ship to students (their visible checks run in
the student's notebook) and the keys do not: ratecheck's wheel leaves this folder out, and the grading sandbox
cannot import it. `ratecheck.assignments.spec.answer_key(name)` loads one, with a clear error where it is absent.
A course's own spec lives in the course directory, which students never see, so it may derive its answers inline."""
