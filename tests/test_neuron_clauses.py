"""The contract's clause tests (tests/test_contract_clauses.py) on NEURON: GLIF3Alpha on
pyNN.neuron through the network builder, each clause against its hand-derived expectation."""

import functools

import pytest

pytest.importorskip("neuron", reason="NEURON is not installed (pip install 'pynn_glif3[neuron]')")
sim = pytest.importorskip("pyNN.neuron")

from pynn_glif3.verification.nest_replay import simulate_with_pynn  # noqa: E402
from test_contract_clauses import *  # noqa: E402,F401,F403  (the clauses, run with the fixture below)


@pytest.fixture
def simulate():  # noqa: F811  (replaces the reference/TF fixture of the imported clauses)
    return functools.partial(simulate_with_pynn, sim)
