COMMENT
GLIF3Alpha on NEURON: the discrete step of the Billeh V1 training model (docs/model.md), one
artificial cell per neuron, receptors syn1..syn4 (NetCon weight[1] = receptor index 0..3).

The step constants decay_v .. rise_step are those of pynn_glif3.model.propagators.propagators(),
computed on the host (pynn_glif3/backends/neuron/cells.py) and set here.

Parameters: v_threshold = V_th, refractory = t_ref, offset_current = I_e, asc_jump_j = asc_amp_j
(the native names of pynn_glif3.model), first_step = start_step; trial_steps > 0 runs trials of
that many steps one after the other, each from the initial state (as on NEST).  Units: potentials
mV, times ms, currents pA (weights arrive in nA, PyNN's unit); the recorded asc_j and psc_r, nA.

Timing (docs/timing.md; h = step_ms).  Step s (s >= first_step) is computed by a self-event at
(s + 1/4) h; its spike is sent by a second self-event at (s + 1) h, the contract's stamp.  The
backend delivers every input 7/8 h before its PyNN time (NetCon delay = PyNN delay - 7/8 h), so an
input meant for step s arrives at (s + 1/8) h: after the update of step s - 1 and before that of
step s, however NEURON orders equal times.  A fixed step samples recorded variables at (s + 1) h
after delivering the events up to (s + 1/2) h, so that sample holds the state after step s, as on
NEST.
ENDCOMMENT

NEURON {
    ARTIFICIAL_CELL glif3_alpha
    RANGE v_threshold, refractory, offset_current, asc_jump_1, asc_jump_2, first_step, trial_steps, step_ms
    RANGE decay_v, drive_v, leak_drive, reset_jump, decay_asc_1, decay_asc_2
    RANGE decay_syn_1, decay_syn_2, decay_syn_3, decay_syn_4
    RANGE rise_gain_1, rise_gain_2, rise_gain_3, rise_gain_4
    RANGE rise_step_1, rise_step_2, rise_step_3, rise_step_4
    RANGE V_init, asc_1_init, asc_2_init, psc_1_init, psc_2_init, psc_3_init, psc_4_init
    RANGE V_m, asc_1, asc_2, psc_1, psc_2, psc_3, psc_4
    RANGE A_1, A_2, X_1, X_2, X_3, X_4, Y_1, Y_2, Y_3, Y_4, u_1, u_2, u_3, u_4
    RANGE noise_1, noise_2, noise_3, noise_4
    RANGE R, z, step_count
}

PARAMETER {
    v_threshold = -44.2
    refractory = 1.5
    offset_current = 0
    asc_jump_1 = 0
    asc_jump_2 = 0
    first_step = 2
    trial_steps = 0
    step_ms = 1
    decay_v = 1
    drive_v = 0
    leak_drive = 0
    reset_jump = 0
    decay_asc_1 = 1
    decay_asc_2 = 1
    decay_syn_1 = 1
    decay_syn_2 = 1
    decay_syn_3 = 1
    decay_syn_4 = 1
    rise_gain_1 = 0
    rise_gain_2 = 0
    rise_gain_3 = 0
    rise_gain_4 = 0
    rise_step_1 = 0
    rise_step_2 = 0
    rise_step_3 = 0
    rise_step_4 = 0
    V_init = -70
    asc_1_init = 0
    asc_2_init = 0
    psc_1_init = 0
    psc_2_init = 0
    psc_3_init = 0
    psc_4_init = 0
}

ASSIGNED {
    V_m
    asc_1
    asc_2
    psc_1
    psc_2
    psc_3
    psc_4
    A_1
    A_2
    X_1
    X_2
    X_3
    X_4
    Y_1
    Y_2
    Y_3
    Y_4
    u_1
    u_2
    u_3
    u_4
    noise_1
    noise_2
    noise_3
    noise_4
    R
    z
    step_count
}

INITIAL {
    initial_state()
    clear_input()
    step_count = 0
    net_send(0.25 * step_ms, 1)
}

PROCEDURE initial_state() {
    V_m = V_init
    A_1 = 1000 * asc_1_init
    A_2 = 1000 * asc_2_init
    Y_1 = 1000 * psc_1_init
    Y_2 = 1000 * psc_2_init
    Y_3 = 1000 * psc_3_init
    Y_4 = 1000 * psc_4_init
    X_1 = 0
    X_2 = 0
    X_3 = 0
    X_4 = 0
    R = 0
    z = 0
    recorded()
}

PROCEDURE clear_input() {
    u_1 = 0
    u_2 = 0
    u_3 = 0
    u_4 = 0
    noise_1 = 0
    noise_2 = 0
    noise_3 = 0
    noise_4 = 0
}

PROCEDURE recorded() {
    asc_1 = A_1 / 1000
    asc_2 = A_2 / 1000
    psc_1 = Y_1 / 1000
    psc_2 = Y_2 / 1000
    psc_3 = Y_3 / 1000
    psc_4 = Y_4 / 1000
}

PROCEDURE advance() { LOCAL total, V_new, R_new, X_new
    : Every right-hand side uses the previous step's state; sums in the reference's order.
    total = Y_1 + Y_2
    total = total + Y_3
    total = total + Y_4
    total = total + A_1
    total = total + A_2
    total = total + offset_current
    total = total + leak_drive
    V_new = decay_v * V_m + drive_v * total
    R_new = R - step_ms
    if (z) {
        V_new = V_new + reset_jump
        R_new = (R + refractory) - step_ms
        A_1 = decay_asc_1 * A_1 + asc_jump_1
        A_2 = decay_asc_2 * A_2 + asc_jump_2
    } else {
        A_1 = decay_asc_1 * A_1
        A_2 = decay_asc_2 * A_2
    }
    if (!(R_new > 0)) {
        R_new = 0
    }
    : per-step receptor input (decoded noise: Vector.play sets noise_r before the update of
    : its row), added after the spikes, as the reference adds its noise term
    u_1 = u_1 + noise_1
    u_2 = u_2 + noise_2
    u_3 = u_3 + noise_3
    u_4 = u_4 + noise_4
    : PSC rise and PSC: the PSC takes the old rise
    X_new = decay_syn_1 * X_1 + rise_gain_1 * u_1
    Y_1 = decay_syn_1 * Y_1 + rise_step_1 * X_1
    X_1 = X_new
    X_new = decay_syn_2 * X_2 + rise_gain_2 * u_2
    Y_2 = decay_syn_2 * Y_2 + rise_step_2 * X_2
    X_2 = X_new
    X_new = decay_syn_3 * X_3 + rise_gain_3 * u_3
    Y_3 = decay_syn_3 * Y_3 + rise_step_3 * X_3
    X_3 = X_new
    X_new = decay_syn_4 * X_4 + rise_gain_4 * u_4
    Y_4 = decay_syn_4 * Y_4 + rise_step_4 * X_4
    X_4 = X_new
    R = R_new
    V_m = V_new
    if (V_new > v_threshold && R_new == 0) {
        z = 1
    } else {
        z = 0
    }
    clear_input()
    recorded()
}

NET_RECEIVE(weight, receptor) { LOCAL trial_step
    INITIAL {
        : the receptor is a connection's constant: keep it (NEURON would zero it at finitialize)
    }
    if (flag == 0) {
        : an input spike: its weight (nA) joins its receptor's input of the coming step, in pA
        if (receptor == 0) {
            u_1 = u_1 + weight * 1000
        } else if (receptor == 1) {
            u_2 = u_2 + weight * 1000
        } else if (receptor == 2) {
            u_3 = u_3 + weight * 1000
        } else {
            u_4 = u_4 + weight * 1000
        }
    } else if (flag == 1) {
        : simulation step step_count: held (the first first_step steps of each trial; inputs
        : dropped, and each later trial starts again from the initial state) or computed
        trial_step = step_count
        if (trial_steps > 0) {
            trial_step = step_count - floor(step_count / trial_steps) * trial_steps
        }
        if (trial_step < first_step) {
            if (trial_step == 0 && step_count > 0) {
                initial_state()
            }
            clear_input()
        } else {
            advance()
        }
        step_count = step_count + 1
        net_send((step_count + 0.25) * step_ms - t, 1)
        if (z && trial_step >= first_step) {
            net_send(step_count * step_ms - t, 2)
        }
    } else if (flag == 2) {
        net_event(t)
    }
}
