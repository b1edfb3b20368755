"""Benchmarks: each prints its measurements as ratios against a baseline run in the same process."""
