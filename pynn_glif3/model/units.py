"""Conversions between the units users' files carry and the PyNN units of GLIF3Alpha.

Users' files hold the physical view of the Allen / NEST data (mV, pF, nS, pA, ms, 1/ms) or the
training model's normalised view, in which a voltage ``V`` is stored as ``(V - E_L) / (V_th - E_L)``
and every current (synaptic weight, after-spike jump) is divided by the target's
``vs = V_th - E_L``.  PyNN uses mV, nF, nA and ms.
"""

import numpy as np

from pynn_glif3.model import N_ASC, N_RECEPTORS, PARAMETER_NAMES

PA_PER_NA = 1000.0
PF_PER_NF = 1000.0


def pF_to_nF(c_pF):
    return np.asarray(c_pF, dtype=float) / PF_PER_NF


def nF_to_pF(c_nF):
    return np.asarray(c_nF, dtype=float) * PF_PER_NF


def pA_to_nA(i_pA):
    return np.asarray(i_pA, dtype=float) / PA_PER_NA


def nA_to_pA(i_nA):
    return np.asarray(i_nA, dtype=float) * PA_PER_NA


def tau_m_ms(C_m_pF, g_nS):
    """Membrane time constant (ms) from capacitance (pF) and leak conductance (nS)."""
    return np.asarray(C_m_pF, dtype=float) / np.asarray(g_nS, dtype=float)


def g_nS(cm_nF, tau_m):
    """Leak conductance (nS) from PyNN's capacitance (nF) and membrane time constant (ms)."""
    return nF_to_pF(cm_nF) / np.asarray(tau_m, dtype=float)


def voltage_scale(V_th, E_L):
    """The training model's per-neuron voltage scale ``vs = V_th - E_L`` (mV)."""
    return np.asarray(V_th, dtype=float) - np.asarray(E_L, dtype=float)


def normalised_to_mV(v, V_th, E_L):
    """A normalised voltage of the training model, in mV."""
    return np.asarray(v, dtype=float) * voltage_scale(V_th, E_L) + np.asarray(E_L, dtype=float)


def mV_to_normalised(V, V_th, E_L):
    return (np.asarray(V, dtype=float) - np.asarray(E_L, dtype=float)) / voltage_scale(V_th, E_L)


def normalised_current_to_pA(w, vs):
    """A normalised weight or current (divided by the target's ``vs``, in mV) in pA.

    The training model's current factor is in mV/pA-free units: a stored weight ``w`` is ``w * vs``
    pA of current (see docs/model.md).
    """
    return np.asarray(w, dtype=float) * np.asarray(vs, dtype=float)


def normalised_current_to_nA(w, vs):
    return pA_to_nA(normalised_current_to_pA(w, vs))


def pA_to_normalised_current(i_pA, vs):
    return np.asarray(i_pA, dtype=float) / np.asarray(vs, dtype=float)


def physical_to_pynn(E_L, V_th, V_reset, C_m, g, t_ref, k, asc_amps, tau_syn, I_offset=0.0):
    """Per-neuron physical parameters (the data files' units) to a dict of PyNN parameters.

    ``k`` and ``asc_amps`` have shape (N, 2), ``tau_syn`` (N, 4); the others (N,) or scalars.
    """
    k = np.asarray(k, dtype=float).reshape(-1, N_ASC)
    asc = np.asarray(asc_amps, dtype=float).reshape(-1, N_ASC)
    tau_syn = np.asarray(tau_syn, dtype=float).reshape(-1, N_RECEPTORS)
    out = {
        "v_rest": np.asarray(E_L, dtype=float),
        "v_thresh": np.asarray(V_th, dtype=float),
        "v_reset": np.asarray(V_reset, dtype=float),
        "cm": pF_to_nF(C_m),
        "tau_m": tau_m_ms(C_m, g),
        "tau_refrac": np.asarray(t_ref, dtype=float),
        "i_offset": pA_to_nA(I_offset),
        "asc_amp_1": pA_to_nA(asc[:, 0]), "asc_amp_2": pA_to_nA(asc[:, 1]),
        "asc_decay_1": k[:, 0], "asc_decay_2": k[:, 1],
    }
    for r in range(N_RECEPTORS):
        out[f"tau_syn_{r + 1}"] = tau_syn[:, r]
    assert set(out) == set(PARAMETER_NAMES)
    return out


def pynn_to_physical(params):
    """A mapping of PyNN parameters (scalars or per-neuron arrays) to the physical view.

    Returns a dict with ``E_L, V_th, V_reset, C_m, g, t_ref, I_offset`` of shape (N,), ``k`` and
    ``asc_amps`` of shape (N, 2) and ``tau_syn`` of shape (N, 4); scalars broadcast to N = the
    longest array given (1 if all are scalars).
    """
    arrays = {name: np.atleast_1d(np.asarray(params[name], dtype=float)) for name in PARAMETER_NAMES}
    n = max(a.size for a in arrays.values())
    p = {name: np.broadcast_to(a, (n,)).copy() for name, a in arrays.items()}
    C_m = nF_to_pF(p["cm"])
    return {
        "E_L": p["v_rest"], "V_th": p["v_thresh"], "V_reset": p["v_reset"],
        "C_m": C_m, "g": C_m / p["tau_m"], "t_ref": p["tau_refrac"],
        "k": np.stack([p["asc_decay_1"], p["asc_decay_2"]], axis=1),
        "asc_amps": nA_to_pA(np.stack([p["asc_amp_1"], p["asc_amp_2"]], axis=1)),
        "tau_syn": np.stack([p[f"tau_syn_{r}"] for r in range(1, N_RECEPTORS + 1)], axis=1),
        "I_offset": nA_to_pA(p["i_offset"]),
    }
