"""Benchmarks that measure the site's speed as ratios against a bare Django baseline on the
same stack. `make bench` (or `python -m bench`) runs them and writes bench/results.md."""
