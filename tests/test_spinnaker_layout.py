"""The SpiNNaker structs: Python field tables == compiled C structs, and the build wiring.

* the C structs, as compiled for the ARM968, have exactly the fields of the Python tables, in
  order, with the same data types (S1615 = accum, U032 = unsigned long fract, UINT32) and no
  padding;
* bytes packed by the Python side are read back by the C field by field, by name;
* the DTCM struct sizes used in the neurons-per-core budget are the compiled ones;
* with sPyNNaker installed (skipped otherwise): the bytes its ``Struct`` objects generate from
  :mod:`pynn_glif3.backends.spinnaker.structs` equal the packer's, and the C reads and runs them;
* the Makefile hands sPyNNaker's build the right headers and output directory (checked with a
  stand-in for sPyNNaker's makefiles; the real .aplx build needs the SpiNNaker C sources).
"""

import os
from pathlib import Path
import shutil
import subprocess

import numpy as np
import pytest

from pynn_glif3.generate.random_network import random_network
from pynn_glif3.verification import spinnaker_fixed_point as fp
from pynn_glif3.verification import spinnaker_harness as harness
from pynn_glif3.backends.spinnaker import layout

STRUCTS = {
    "neuron_params_t": layout.NEURON_PARAMS_FIELDS,
    "threshold_type_params_t": layout.THRESHOLD_PARAMS_FIELDS,
    "synapse_types_params_t": layout.SYNAPSE_PARAMS_FIELDS,
}


@pytest.fixture(scope="module")
def elf():
    ok, reason = harness.available()
    if not ok:
        pytest.skip(reason)
    return harness.build()


@pytest.fixture(scope="module")
def c_layout(elf):
    return harness.c_layout(elf)


@pytest.mark.parametrize("struct", sorted(STRUCTS))
def test_c_struct_matches_python_fields(c_layout, struct):
    fields, sizes, _ = c_layout
    table = STRUCTS[struct]
    c_fields = sorted(((off, name, size, kind) for (s, name), (off, size, kind) in fields.items() if s == struct))
    assert [name for _, name, _, _ in c_fields] == [layout.c_field_name(struct, n) for _, n in table]
    assert [kind for *_, kind in c_fields] == [kind for kind, _ in table]
    assert [off for off, *_ in c_fields] == [4 * i for i in range(len(table))]
    assert all(size == 4 for _, _, size, _ in c_fields)
    assert sizes[struct] == 4 * len(table)
    assert layout.numpy_dtype(table).itemsize == sizes[struct]


def test_dtcm_struct_sizes_and_synapse_types(c_layout):
    _, sizes, constants = c_layout
    for struct, size in layout.DTCM_STRUCT_BYTES.items():
        assert sizes[struct] == size, struct
    assert constants["SYNAPSE_TYPE_COUNT"] == layout.N_SYNAPSE_TYPES == 8
    assert constants["NUM_EXCITATORY_RECEPTORS"] == constants["NUM_INHIBITORY_RECEPTORS"] == 4
    assert 2 ** constants["SYNAPSE_TYPE_BITS"] >= constants["SYNAPSE_TYPE_COUNT"]


def test_packed_parameters_are_read_back_by_name(elf):
    net = fp.prepare(**random_network(n_neurons=7, n_steps=2, seed=4).kwargs())
    read = harness.c_read_params(net, elf)
    for (struct, table), raw, key in zip(STRUCTS.items(), net.raw, ("neuron", "threshold", "synapse")):
        for kind, name in table:
            c_values = read[key][layout.c_field_name(struct, name)]
            expected = np.asarray(raw[name], dtype=np.int64) & 0xFFFFFFFF
            np.testing.assert_array_equal([c_values[i] for i in range(net.n)],
                                          np.broadcast_to(expected, (net.n,)), err_msg=f"{struct}.{name}")


def test_packing_round_trip():
    net = fp.prepare(**random_network(n_neurons=5, n_steps=2, seed=2).kwargs())
    for (struct, table), raw in zip(STRUCTS.items(), net.raw):
        back = layout.unpack(layout.pack(raw, table, net.n), table, net.n)
        for kind, name in table:
            np.testing.assert_array_equal(back[name], np.broadcast_to(raw[name], (net.n,)))


def test_spynnaker_struct_bytes_are_read_by_the_c(elf):
    pytest.importorskip("spynnaker")
    from pacman.model.graphs.common import Slice
    from spinn_utilities.ranged import RangedList
    from pynn_glif3.backends.spinnaker import structs

    kw = random_network(n_neurons=9, n_steps=200, seed=6).kwargs()
    net = fp.prepare(**kw)
    values = structs.struct_values(kw["neurons"])
    blocks = []
    for struct, fields, raw in zip(structs.spynnaker_structs(), STRUCTS.values(), net.raw):
        assert [name for _, name in struct.fields] == [name for _, name in fields]
        ranged = {name: RangedList(net.n, [float(x) for x in np.broadcast_to(values[name], (net.n,))], key=name)
                  for _, name in fields}
        data = struct.get_data(ranged, Slice(0, net.n - 1)).tobytes()
        assert data == layout.pack(raw, fields, net.n)
        blocks.append(data)
    read = harness.c_read_params(net, elf, param_bytes=blocks)
    for (struct_name, fields), raw, key in zip(STRUCTS.items(), net.raw, ("neuron", "threshold", "synapse")):
        for kind, name in fields:
            c_values = read[key][layout.c_field_name(struct_name, name)]
            np.testing.assert_array_equal([c_values[i] for i in range(net.n)],
                                          np.broadcast_to(np.asarray(raw[name]) & 0xFFFFFFFF, (net.n,)))
    c = harness.run(net, elf=elf, param_bytes=blocks)
    np.testing.assert_array_equal(c.v_raw, fp.run(net).v_raw)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_makefile_wiring(tmp_path):
    """Run the Makefile against a stand-in sPyNNaker build that prints what it was given."""
    root = harness.source_dir()
    report = ("\t@echo \"$(APP) $(lastword $(MAKEFILE_LIST)) $(NEURON_IMPL_H) $(NEURON_MODEL_H) $(INPUT_TYPE_H) "
              "$(THRESHOLD_TYPE_H) $(SYNAPSE_TYPE_H) $(SYNAPSE_DYNAMICS) $(APP_OUTPUT_DIR) $(BUILD_DIR)\"\n")
    for sub, name in (("neuron", "neural_build.mk"), ("neuron_only", "neuron_build.mk")):
        d = tmp_path / "makefiles" / sub
        d.mkdir(parents=True)
        (d / name).write_text("NEURON_DIR := $(NEURAL_MODELLING_DIRS)/src\nall:\n" + report + "clean:\n\t@true\n")
    env = dict(os.environ, SPINN_DIRS=str(tmp_path), NEURAL_MODELLING_DIRS=str(tmp_path))
    out = subprocess.run(["make", "-s", "-C", str(root)], env=env, capture_output=True, text=True, check=True).stdout
    lines = [line.split() for line in out.splitlines() if line.startswith("glif3_alpha")]
    assert [line[0] for line in lines] == ["glif3_alpha", "glif3_alpha_neuron"]
    combined, neuron_only = lines
    assert combined[1].endswith("neuron/neural_build.mk") and neuron_only[1].endswith("neuron_only/neuron_build.mk")
    for line in lines:
        assert line[2] == f"{tmp_path}/src/neuron/implementations/neuron_impl_standard.h"
        for header in (line[3], line[5], line[6]):       # our model, threshold and synapse headers
            assert Path(header).is_file() and Path(header).is_relative_to(root / "src")
        assert line[4] == f"{tmp_path}/src/neuron/input_types/input_type_current.h"
    assert combined[7].endswith("synapse_dynamics_static_impl.c")
    assert Path(combined[8]) == Path(root).parents[1] / "pynn_glif3" / "backends" / "spinnaker" / "model_binaries"
    # without the SpiNNaker sources the build stops with a clear message
    env = {k: v for k, v in os.environ.items() if k not in ("SPINN_DIRS", "NEURAL_MODELLING_DIRS")}
    proc = subprocess.run(["make", "-C", str(root / "makefiles" / "glif3_alpha")], env=env,
                          capture_output=True, text=True)
    assert proc.returncode != 0 and "SPINN_DIRS is not set" in proc.stderr
