"""The dashboard's tests: Solara's telemetry off before Solara is imported, a small batch size."""

from __future__ import annotations

import os

os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"  # before any import of solara

import pytest

#: Replications per batch in the component tests (the browser test runs the default 10,000).
SMALL = 2_000


@pytest.fixture(scope="session")
def configured():
    from sim.app.state import configure

    return configure("baseline")
