"""Synthetic data for demos and tests: the seeded municipality "Demoby"
(:func:`synthesize`), written to files with :func:`write_synthetic`."""

from kvarter.demo.synthetic import synthesize, write_synthetic

__all__ = ["synthesize", "write_synthetic"]
