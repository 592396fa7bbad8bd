"""The GeNN models the backend compiles: GLIF3Alpha from the snippets, spike sources, synapses.

GLIF3Alpha
    The neuron and postsynaptic code strings of ``native/genn`` (read with
    :func:`pynn_glif3.backends.genn.snippets.load`) are used as they are; two things are added around them:

    * a hold: before ``TStart`` (the middle of step ``start_step``) the neuron keeps its initial
      state and the postsynaptic models drop their input, as every GLIF3Alpha native model does
      (``pynn_glif3.model.timing``: the training model's row 0 is computed in step ``start_step``);
    * the postsynaptic model's read-only per-neuron constants (``S``, ``P``) are stored on the
      neuron, one copy per receptor (``S_1`` .. ``S_4``, ...), and the postsynaptic model reads them
      through neuron variable references.  Every PSM variable that remains (``X``, ``Y``) starts at
      a constant, so GeNN can fuse the postsynaptic models of all projections onto one receptor of
      a population into one: one alpha PSC per receptor, fed by the summed input of every source,
      exactly as the training model sums ``u_r``.

Spike sources
    Both have a per-step spike count ``Mult``; the synapses from a source add ``g * Mult``.  A
    SpikeSourceArray's counts are written by the host before each step (``Next``, copied to
    ``Mult`` in the step), so several spikes of one source in one step deliver their weight that
    many times (NEST's multiplicity).  SpikeSourcePoisson draws on the device: at most one spike
    per step, with probability ``rate * dt``, inside its active window.

Synapses
    Static synapses with a per-synapse weight ``g`` (pA) and dendritic delay ``d`` (steps).  A
    spike of step n reaches the postsynaptic model in step n + 1 + d, so a PyNN delay of k steps is
    ``d = k - 1`` (the delivery of NEST and of the training model; docs/genn.md).
"""

import functools

from pynn_glif3.model import N_RECEPTORS
from pynn_glif3.backends.genn import snippets

#: The snippet module of native/genn, read once.
load_snippets = functools.lru_cache(maxsize=1)(snippets.load)

#: GLIF3Alpha state variables of PyNN held by the neuron: name -> (GeNN variable, GeNN per PyNN unit).
NEURON_STATE = {"v": ("V", 1.0), "asc_1": ("A1", 1000.0), "asc_2": ("A2", 1000.0)}
#: The receptors' PSCs of PyNN (nA): name -> receptor index; held by the PSM variable ``PSC_VAR`` (pA).
PSC_STATE = {f"psc_{r + 1}": r for r in range(N_RECEPTORS)}
PSC_VAR, PSC_SCALE = "Y", 1000.0

#: Type of the per-synapse dendritic delay (steps) and its largest value.
DELAY_TYPE = "uint16_t"
MAX_DENDRITIC_DELAY = 2 ** 16 - 1


def _access(pygenn, code):
    return pygenn.VarAccess.READ_ONLY if code == "ro" else pygenn.VarAccess.READ_WRITE


def psm_constant_names(s=None):
    """Names of the PSM's read-only variables, which live on the neuron (one per receptor)."""
    s = s or load_snippets()
    return [name for name, _, access in s.PSM_VARS if access == "ro"]


def psm_state_names(s=None):
    s = s or load_snippets()
    return [name for name, _, access in s.PSM_VARS if access != "ro"]


def receptor_var(name, receptor):
    """The neuron variable holding PSM constant ``name`` of receptor index ``receptor`` (0-based)."""
    return f"{name}_{receptor + 1}"


def glif3_neuron_model(pygenn, n_receptors):
    """The GLIF3Alpha neuron: the snippet's variables, the receptors' PSM constants, TStart."""
    s = load_snippets()
    variables = [(name, vtype, _access(pygenn, access)) for name, vtype, access in s.NEURON_VARS]
    for r in range(n_receptors):
        variables += [(receptor_var(name, r), vtype, pygenn.VarAccess.READ_ONLY)
                      for name, vtype, access in s.PSM_VARS if access == "ro"]
    variables.append(("TStart", "scalar", pygenn.VarAccess.READ_ONLY))
    return pygenn.create_neuron_model(
        "GLIF3Alpha",
        vars=variables,
        sim_code="if (t >= TStart) {\n" + s.NEURON_SIM_CODE + "}\n",
        threshold_condition_code=f"t >= TStart && ({s.NEURON_THRESHOLD_CODE.strip()})",
        reset_code=s.NEURON_RESET_CODE)


def alpha_psm(pygenn):
    """The alpha postsynaptic model of one receptor (constants read from the neuron)."""
    s = load_snippets()
    state = [(name, vtype) for name, vtype, access in s.PSM_VARS if access != "ro"]
    refs = [(name, vtype, pygenn.VarAccessMode.READ_ONLY) for name, vtype, access in s.PSM_VARS
            if access == "ro"]
    refs.append(("TStart", "scalar", pygenn.VarAccessMode.READ_ONLY))
    return pygenn.create_postsynaptic_model(
        "GLIF3AlphaPSC",
        vars=state,
        neuron_var_refs=refs,
        sim_code="if (t >= TStart) {\n" + s.PSM_SIM_CODE + "}\nelse {\n    inSyn = 0.0;\n}\n")


def alpha_psm_init(pygenn, model, receptor):
    """``init_postsynaptic`` of receptor index ``receptor`` for a GLIF3Alpha target."""
    s = load_snippets()
    refs = {name: receptor_var(name, receptor) for name in psm_constant_names(s)}
    refs["TStart"] = "TStart"
    return pygenn.init_postsynaptic(model, {}, {name: 0.0 for name in psm_state_names(s)}, refs)


def spike_source_array_model(pygenn):
    """Spike counts written by the host before each step (``Next``), emitted in that step."""
    return pygenn.create_neuron_model(
        "GLIF3SpikeSourceArray",
        vars=[("Next", "scalar", pygenn.VarAccess.READ_WRITE),
              ("Mult", "scalar", pygenn.VarAccess.READ_WRITE)],
        sim_code="Mult = Next;\n",
        threshold_condition_code="Mult > 0.0")


def spike_source_poisson_model(pygenn):
    """Bernoulli spikes with probability ``Prob`` per step while ``TLow < t < THigh``."""
    return pygenn.create_neuron_model(
        "GLIF3SpikeSourcePoisson",
        vars=[("Prob", "scalar", pygenn.VarAccess.READ_ONLY),
              ("TLow", "double", pygenn.VarAccess.READ_ONLY),
              ("THigh", "double", pygenn.VarAccess.READ_ONLY),
              ("Mult", "scalar", pygenn.VarAccess.READ_WRITE)],
        sim_code="Mult = 0.0;\n"
                 "if (t > TLow && t < THigh && gennrand_uniform() < Prob) {\n"
                 "    Mult = 1.0;\n"
                 "}\n",
        threshold_condition_code="Mult > 0.0")


def static_synapse_model(pygenn, from_source):
    """Static synapse with dendritic delay; ``from_source``: scale by the source's spike count."""
    variables = [("g", "scalar", pygenn.VarAccess.READ_ONLY), ("d", DELAY_TYPE, pygenn.VarAccess.READ_ONLY)]
    if from_source:
        return pygenn.create_weight_update_model(
            "GLIF3StaticFromSource", vars=variables,
            pre_neuron_var_refs=[("M", "scalar", pygenn.VarAccessMode.READ_ONLY)],
            pre_spike_syn_code="addToPostDelay(g * M, d);\n")
    return pygenn.create_weight_update_model(
        "GLIF3Static", vars=variables, pre_spike_syn_code="addToPostDelay(g, d);\n")


def static_synapse_init(pygenn, model, weights_pA, dendritic_steps, from_source):
    pre_refs = {"M": "Mult"} if from_source else {}
    return pygenn.init_weight_update(model, {}, {"g": weights_pA, "d": dendritic_steps},
                                     pre_var_refs=pre_refs)
