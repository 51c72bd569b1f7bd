"""One default-size Demoby per test session (about a second to make)."""

from __future__ import annotations

import pytest

from kvarter.demo import synthesize


@pytest.fixture(scope="session")
def demoby():
    """The default synthetic panel: 50,000 persons, 2015-2024, seed 0."""
    return synthesize()


@pytest.fixture(scope="session")
def small():
    """A small panel for contract and panel checks."""
    return synthesize(persons=3_000, areas=20, schools=6, years=range(2018, 2023), seed=7)
