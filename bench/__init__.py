"""Benchmarks of issue #7 (`python -m bench`): each figure is a ratio against a baseline measured in the
same run, the median of several runs, with the target it is held to. Not part of the test suite."""
