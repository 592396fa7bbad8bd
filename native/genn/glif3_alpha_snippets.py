"""GeNN 5 code snippets of GLIF3Alpha: the model equations for GeNN, in one place.

Pure data (no imports), read by ``pynn_glif3.genn.snippets``.  GeNN runs, each step, every
postsynaptic model of a neuron (``injectCurrent`` adds to ``Isyn``), then the neuron's ``sim_code``,
then its threshold test, then ``reset_code`` for the neurons that spiked.  The training model's
order (docs/model.md) maps onto that as follows:

* the postsynaptic model injects the PSC of the previous step, ``Y_{n-1}``, then advances
  ``Y`` with the old rise and the rise with this step's input (``inSyn`` holds ``u_n``);
* the neuron's ``sim_code`` advances V with ``Isyn = sum_r Y_{r,n-1}`` and the previous step's
  after-spike currents and spike flag ``Zprev``, then the currents and the refractory time;
* ``reset_code`` only records the spike in ``Zprev``: reset and after-spike jumps happen on the
  next step, as in the training model.

Per-neuron values are read-only variables (GeNN parameters are population-wide); their values,
propagators included, are computed on the host by pynn_glif3.propagators.propagators(), so every
engine uses the same constants.
"""

#: Neuron: (name, type, access) of each variable; "ro" = read only.
NEURON_VARS = (
    ("V", "scalar", "rw"),          # membrane potential, mV
    ("A1", "scalar", "rw"),         # after-spike currents, pA
    ("A2", "scalar", "rw"),
    ("R", "scalar", "rw"),          # refractory time left, ms
    ("Zprev", "scalar", "rw"),      # 1 on the step after a spike
    ("D", "scalar", "ro"),          # exp(-dt g / C_m)
    ("F", "scalar", "ro"),          # (1 - D) / g, mV/pA
    ("GEL", "scalar", "ro"),        # g E_L, pA
    ("Ie", "scalar", "ro"),         # constant current, pA
    ("Vth", "scalar", "ro"),        # threshold, mV
    ("ResetJump", "scalar", "ro"),  # V_reset - V_th, mV
    ("E1", "scalar", "ro"),         # exp(-dt k_1)
    ("E2", "scalar", "ro"),
    ("Amp1", "scalar", "ro"),       # after-spike jumps, pA
    ("Amp2", "scalar", "ro"),
    ("TRef", "scalar", "ro"),       # refractory time, ms
)

NEURON_SIM_CODE = """
V = D * V + F * (Isyn + A1 + A2 + Ie + GEL) + Zprev * ResetJump;
A1 = E1 * A1 + Zprev * Amp1;
A2 = E2 * A2 + Zprev * Amp2;
R = fmax(0.0, R + Zprev * TRef - dt);
Zprev = 0.0;
"""

NEURON_THRESHOLD_CODE = "V > Vth && R == 0.0"

NEURON_RESET_CODE = """
Zprev = 1.0;
"""

#: Postsynaptic model of one receptor: alpha PSC with rise X and current Y (pA).
PSM_VARS = (
    ("X", "scalar", "rw"),          # PSC rise
    ("Y", "scalar", "rw"),          # PSC, pA
    ("S", "scalar", "ro"),          # exp(-dt / tau_syn)
    ("P", "scalar", "ro"),          # e / tau_syn
)

PSM_SIM_CODE = """
injectCurrent(Y);
Y = S * Y + dt * S * X;
X = S * X + P * inSyn;
inSyn = 0.0;
"""
