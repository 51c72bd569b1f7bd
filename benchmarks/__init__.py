"""Benchmarks: each ``bench_*.py`` module has ``main(argv)`` that times kvarter
against a baseline measured in the same run and prints the ratio."""
