"""Shared inputs: the synthetic Demodal tables, built once per session."""

from __future__ import annotations

import pytest

from kvarter.demo.housing import synthesize_housing


@pytest.fixture(scope="session")
def demodal():
    return synthesize_housing()
