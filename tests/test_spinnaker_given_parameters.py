"""Physical parameters given to a GLIF3Alpha Population on sPyNNaker (``set_neuron_parameters``)
reach the structs converted once: the struct words are those of ``layout.derive`` of the given
values, bit for bit, where the PyNN round trip (the values set in PyNN units, converted back)
writes other words.  A later ``Population.set`` still wins for the neurons it addresses.

The Populations are made and run on a virtual board in a separate process (this file run as a
script, with a temporary HOME holding a virtual-board ``.spynnaker.cfg``): importing
pyNN.spiNNaker makes ``GLIF3Alpha(...)`` return sPyNNaker cells, which must not leak into the other
tests.  The struct data is what sPyNNaker asks the structs for when it writes the neuron data.
"""

import json
import os
import subprocess
import sys

import numpy as np

from pynn_glif3.model import units
from pynn_glif3.model.physical import NeuronParameters
from pynn_glif3.backends.spinnaker import layout

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: Physical values whose PyNN round trip changes a struct word (found by search, see the
#: preconditions in test_the_round_trip_changes_struct_words):
#: 0: g = 2.80498915633024(65 -> 7): decay_v;  1: g = 13.8689971175505(86 -> 88): drive_v;
#: 2: asc_amps[0] and I_offset 0.0154876708984375 pA, an s16.15 value and a half (507.5 / 32768,
#:    rounded half to even), / 1000 * 1000 is one step above it: asc_amp_1, i_offset;
#: 3: C_m = 63.09 (C_m / 1000 * 1000 != C_m).
C_M = [192.6, 127.35, 150.0, 63.09]
G = [2.8049891563302465, 13.868997117550586, 10.0, 12.5]
HALF_STEP_PA = 507.5 / 32768
#: the neurons of the later set(cm=...), and the value (nF)
LATER, LATER_CM = [1, 3], 0.25
STRUCTS = (("neuron", layout.NEURON_PARAMS_FIELDS), ("threshold", layout.THRESHOLD_PARAMS_FIELDS),
           ("synapse", layout.SYNAPSE_PARAMS_FIELDS))
DT = 1.0


def given_neurons():
    n = len(C_M)
    return NeuronParameters(
        E_L=np.linspace(-72.0, -66.0, n), V_th=np.linspace(-52.0, -48.0, n), V_reset=-65.5,
        C_m=C_M, g=G, t_ref=[2.0, 3.0, 2.5, 1.0], k=[[0.3, 0.1]] * n,
        asc_amps=[[-1.5, 2.0], [-1.5, 2.0], [HALF_STEP_PA, -2.5], [0.0, 0.0]],
        tau_syn=[[5.5, 8.5, 2.8, 5.8]] * n, I_offset=[0.0, 12.0, HALF_STEP_PA, -3.0])


def round_trip(neurons):
    """The physical values the structs got from PyNN values: physical -> PyNN -> physical."""
    return NeuronParameters(**units.pynn_to_physical(units.physical_to_pynn(**neurons.as_dict())))


def words(neurons):
    """The struct words (raw integers) ``layout.derive`` gives for physical values."""
    return {key: layout.encode_fields(values, fields, key)
            for (key, fields), values in zip(STRUCTS, layout.derive(neurons, DT))}


# ---------------------------------------------------------------------------------------------
# The job (run as a script, in its own process)

def main(out):
    import pyNN.spiNNaker as sim
    from pynn_glif3.backends import backend_for
    from pynn_glif3.backends.spinnaker import components

    neurons = given_neurons()
    n = neurons.n
    sim.setup(timestep=DT)
    backend = backend_for(sim)
    pops = {}
    pops["given"] = sim.Population(n, backend.cell_type(), label="given")
    backend.set_neuron_parameters(pops["given"], neurons)
    # as the V1 builder made its Population before: the PyNN values of the physical ones
    pops["pynn"] = sim.Population(
        n, backend.cell_type(**units.physical_to_pynn(**neurons.as_dict())), label="pynn")
    pops["later_set"] = sim.Population(n, backend.cell_type(), label="later_set")
    backend.set_neuron_parameters(pops["later_set"], neurons)
    pops["later_set"][LATER].set(cm=LATER_CM)

    owner = {id(pop._vertex.parameters["v_rest"]): key for key, pop in pops.items()}
    written = {}
    original = components.DerivedStruct.get_data

    def get_data(self, values, vertex_slice=None):
        data = original(self, values, vertex_slice)
        key = owner.get(id(values["v_rest"]))
        if key is not None:
            table = next(name for name, fields in STRUCTS if tuple(fields) == self._table)
            written[f"{key}_{table}"] = data.copy()
        return data

    components.DerivedStruct.get_data = get_data
    got = {f"{key}_{name}": np.asarray(pop.get(name), dtype=np.float64)
           for key, pop in pops.items() for name in ("cm", "tau_m", "asc_amp_1", "i_offset")}
    got.update({f"{key}_v": np.asarray(pop.initial_values["v"], dtype=np.float64)
                for key, pop in pops.items()})
    sim.run(2 * DT)
    sim.end()
    np.savez(os.path.join(out, "result.npz"), **written, **got)
    with open(os.path.join(out, "result.json"), "w") as f:
        json.dump(sorted(written), f)


# ---------------------------------------------------------------------------------------------
# The tests

import pytest  # noqa: E402


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    pytest.importorskip("spynnaker", reason="sPyNNaker is not installed (pip install spynnaker)")
    home = tmp_path_factory.mktemp("home")
    (home / ".spynnaker.cfg").write_text("[Machine]\nvirtual_board = True\nversion = 5\n")
    out = tmp_path_factory.mktemp("spinnaker_given")
    paths = [ROOT] + [p for p in [os.environ.get("PYTHONPATH")] if p]
    env = dict(os.environ, HOME=str(home), PYTHONPATH=os.pathsep.join(paths))
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), str(out)], cwd=str(out),
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return dict(np.load(out / "result.npz"))


def _written(data, key):
    """The struct words sPyNNaker wrote for Population ``key``, by struct and field."""
    n = len(C_M)
    return {table: layout.unpack(data[f"{key}_{table}"].tobytes(), fields, n)
            for table, fields in STRUCTS}


#: (struct, field, neuron) whose word the round trip changes
CHANGED = [("neuron", "decay_v", 0), ("neuron", "drive_v", 1), ("neuron", "asc_amp_1", 2),
           ("neuron", "i_offset", 2)]


def test_the_round_trip_changes_struct_words():
    """Preconditions, without sPyNNaker: the values chosen do change words through PyNN units."""
    neurons = given_neurons()
    back = round_trip(neurons)
    assert back.g[0] != neurons.g[0] and back.g[1] != neurons.g[1]
    assert back.C_m[3] != neurons.C_m[3]
    assert back.asc_amps[2, 0] != neurons.asc_amps[2, 0]
    assert back.I_offset[2] != neurons.I_offset[2]
    exact, moved = words(neurons), words(back)
    for table, field, i in CHANGED:
        assert exact[table][field][i] != moved[table][field][i], (table, field, i)
    # the fixed-point model of the port starts from the physical values, as derive does
    from pynn_glif3.verification import spinnaker_fixed_point
    board = spinnaker_fixed_point.prepare(neurons, 1, dt=DT)
    for (table, fields), raw in zip(STRUCTS, board.raw):
        for _, field in fields:
            np.testing.assert_array_equal(raw[field], exact[table][field], err_msg=field)


def test_given_physical_values_are_written_exactly(job):
    want = words(given_neurons())
    got = _written(job, "given")
    for table, fields in STRUCTS:
        for _, field in fields:
            np.testing.assert_array_equal(got[table][field], want[table][field],
                                          err_msg=f"{table}.{field}")


def test_the_same_values_in_pynn_units_write_other_words(job):
    """What the PyNN path writes: the round trip's words, not the given values' (the previous
    way of giving a file's values fails test_given_physical_values_are_written_exactly)."""
    neurons = given_neurons()
    got, exact, moved = _written(job, "pynn"), words(neurons), words(round_trip(neurons))
    for table, fields in STRUCTS:
        for _, field in fields:
            np.testing.assert_array_equal(got[table][field], moved[table][field],
                                          err_msg=f"{table}.{field}")
    for table, field, i in CHANGED:
        assert got[table][field][i] != exact[table][field][i], (table, field, i)


def test_population_answers_in_pynn_units_and_v_starts_at_v_reset(job):
    neurons = given_neurons()
    pynn = units.physical_to_pynn(**neurons.as_dict())
    for name in ("cm", "tau_m", "asc_amp_1", "i_offset"):
        np.testing.assert_array_equal(job[f"given_{name}"], pynn[name], err_msg=name)
    np.testing.assert_array_equal(job["given_v"], neurons.V_reset)


def test_a_later_set_wins_for_the_neurons_it_addresses(job):
    neurons = given_neurons()
    pynn = units.physical_to_pynn(**neurons.as_dict())
    pynn["cm"][LATER] = LATER_CM
    expected_cm = pynn["cm"]
    np.testing.assert_array_equal(job["later_set_cm"], expected_cm)
    # the neurons set later: their PyNN values converted; the others: the given values exactly
    changed = NeuronParameters(**units.pynn_to_physical(pynn))
    mixed = {name: value.copy() for name, value in neurons.as_dict().items()}
    for name, value in changed.as_dict().items():
        mixed[name][LATER] = value[LATER]
    want = words(NeuronParameters(**mixed))
    got = _written(job, "later_set")
    for table, fields in STRUCTS:
        for _, field in fields:
            np.testing.assert_array_equal(got[table][field], want[table][field],
                                          err_msg=f"{table}.{field}")
    # the new cm took effect (with tau_m kept, g changed with it: F = (1 - D) / g)
    given = words(neurons)
    assert np.all(got["neuron"]["drive_v"][LATER] != given["neuron"]["drive_v"][LATER])
    # neuron 0 kept the given values: the word the round trip would change is the given one
    assert got["neuron"]["decay_v"][0] == given["neuron"]["decay_v"][0]


def test_the_rule_per_neuron():
    """components.GivenPhysical, without a simulation: exact values for the neurons whose PyNN
    values are all the ones set from them; converted values for the others, for every neuron when
    nothing was given or the size differs."""
    pytest.importorskip("spynnaker", reason="sPyNNaker is not installed (pip install spynnaker)")
    from pynn_glif3.backends.spinnaker.components import GivenPhysical

    neurons = given_neurons()
    pynn = units.physical_to_pynn(**neurons.as_dict())
    back = round_trip(neurons)
    given = GivenPhysical()
    np.testing.assert_array_equal(given.physical(pynn).g, back.g)
    given.keep(neurons, pynn)
    np.testing.assert_array_equal(given.physical(pynn).g, neurons.g)
    np.testing.assert_array_equal(given.physical(pynn).asc_amps, neurons.asc_amps)
    # another PyNN value of neuron 0 set anew: all of neuron 0's values are converted ones
    changed = {name: value.copy() for name, value in pynn.items()}
    changed["v_thresh"][0] += 1.0
    got = given.physical(changed)
    assert got.g[0] == back.g[0] != neurons.g[0] and got.V_th[0] == neurons.V_th[0] + 1.0
    np.testing.assert_array_equal(got.g[1:], neurons.g[1:])
    # the PyNN arrays kept are copies: changing the caller's arrays changes nothing
    pynn["cm"][:] = 0.5
    np.testing.assert_array_equal(given.physical(units.physical_to_pynn(**neurons.as_dict())).g,
                                  neurons.g)
    shorter = {name: value[:2] for name, value in changed.items()}
    np.testing.assert_array_equal(given.physical(shorter).g, back.g[:2])


if __name__ == "__main__":
    main(sys.argv[1])
