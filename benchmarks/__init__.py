"""Benchmarks of the code pool: uploads, sequential and concurrent stage moves.

Run ``python -m benchmarks`` for the full sizes (minutes) or ``python -m benchmarks --quick``
for tiny sizes (seconds, for CI: proves the benchmarks still run, measures nothing useful).
Each figure is the median of several runs and is printed next to its target.
"""
