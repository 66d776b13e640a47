from __future__ import annotations

import pytest

from service.catalog.convert import seed_specs
from service.engine import EfficiencyTable


@pytest.fixture(scope="session")
def specs():
    return seed_specs()


@pytest.fixture(scope="session")
def models(specs):
    return specs[0]


@pytest.fixture(scope="session")
def platforms(specs):
    return specs[1]


@pytest.fixture(scope="session")
def table():
    return EfficiencyTable.default()
