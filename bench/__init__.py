"""Benchmark suite: district-scale data, one table of timings, each row beside its floor."""
