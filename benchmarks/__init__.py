"""Benchmarks and the calibration of the grader's training check (see README.md here)."""
