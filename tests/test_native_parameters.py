"""The builder gives each simulator the file's parameter values exactly (physical view -> native
model, one step), on every backend installed here.

The values below are chosen so that a PyNN-unit round trip (pF -> nF -> pF, C_m and g -> tau_m ->
g, pA -> nA -> pA) moves them by a rounding step: a builder that went through PyNN units would
hand the simulator other numbers than the file's.
"""

import importlib

import numpy as np
import pytest

from pynn_glif3 import builder
from pynn_glif3.generate.random_network import random_network
from pynn_glif3.model import units
from pynn_glif3.model.physical import NATIVE_PARAMETERS, NeuronParameters, from_native

SIMULATORS = {"nest": "pyNN.nest", "brian2": "pyNN.brian2", "neuron": "pyNN.neuron",
              "genn": "pynn_glif3.genn"}
#: what each needs beyond its PyNN module (pynn_glif3.genn imports without PyGeNN)
NEEDS = {"genn": "pygenn"}


def _round_trip_moves(neurons):
    """Which per-neuron physical values a PyNN-unit round trip changes."""
    p = neurons
    pynn = units.physical_to_pynn(p.E_L, p.V_th, p.V_reset, p.C_m, p.g, p.t_ref, p.k, p.asc_amps,
                                  p.tau_syn, p.I_offset)
    back = NeuronParameters(**units.pynn_to_physical(pynn))
    return {name: getattr(back, name) != getattr(p, name) for name in ("C_m", "g", "asc_amps")}


def network_with_fragile_values(n=200, seed=3):
    net = random_network(n_neurons=n, n_steps=20, seed=seed)
    rng = np.random.default_rng(seed)
    p = net.neurons
    p.C_m = rng.uniform(52.0, 190.0, n)
    p.g = rng.uniform(3.9, 17.0, n)
    p.asc_amps[:, 1] = rng.uniform(-292.0, -65.0, n)
    p.I_offset = rng.uniform(-20.0, 20.0, n)
    return net


def test_the_chosen_values_do_not_survive_a_pynn_unit_round_trip():
    moved = _round_trip_moves(network_with_fragile_values().neurons)
    assert moved["C_m"].any() and moved["g"].any() and moved["asc_amps"].any()


def _held(cells):
    """The native parameters the simulator holds for ``cells``, as NeuronParameters."""
    space = cells._get_native_parameters(*NATIVE_PARAMETERS)
    space.evaluate(simplify=False)
    return from_native({name: np.asarray(space[name], dtype=float) for name in NATIVE_PARAMETERS})


@pytest.mark.parametrize("name", SIMULATORS)
def test_builder_hands_the_simulator_the_files_values(name):
    for module in (NEEDS.get(name), SIMULATORS[name]):
        if module:
            pytest.importorskip(module, reason=f"{module} is not installed here")
    sim = importlib.import_module(SIMULATORS[name])
    net = network_with_fragile_values()
    sim.setup(timestep=net.dt, min_delay=net.dt)
    try:
        built = builder.build(sim, net, options=builder.BuildOptions(dt=net.dt))
        held = _held(built.cells)
        for field, given in net.neurons.as_dict().items():
            np.testing.assert_array_equal(getattr(held, field), given, err_msg=f"{name}: {field}")
        v = built.cells.initial_values["v"]
        np.testing.assert_array_equal(np.asarray(v.evaluate(simplify=False), dtype=float),
                                      net.neurons.V_reset, err_msg=f"{name}: initial v")
    finally:
        sim.end()
