"""The TensorFlow ground truth: a Keras recurrent cell equivalent to the training model's column.

:class:`GLIF3AlphaCell` keeps the training code's state (a spike buffer holding the last
``max_delay`` steps, normalised voltage, refractory time, two after-spike currents, PSC rise and
PSC per receptor), its update order and its normalisation: voltages are stored as
``(V - E_L) / (V_th - E_L)`` and every current is divided by the target's ``vs = V_th - E_L``.
Synaptic delays are folded into the sparse recurrent matrix exactly as the training code stores
it: row ``4 * target + receptor``, column ``source + N * (delay_steps - 1)``.

:func:`simulate` has the signature of :func:`pynn_glif3.oracles.reference.simulate` and returns the same
:class:`~pynn_glif3.model.results.SimulationResult`, so the two oracles can be compared directly.

Runs in float32 (as trained: the constants computed in float32 as the training code computes them,
:func:`training_constants_float32`) or float64 (``dtype="float64"``, the exact oracle).
"""

import numpy as np
import keras
import tensorflow as tf

from pynn_glif3.model import N_RECEPTORS, TRAINING_MAX_DELAY_MS, delay_steps
from pynn_glif3.model.physical import NeuronParameters, Synapses
from pynn_glif3.model.propagators import propagators
from pynn_glif3.model.results import SimulationResult
from pynn_glif3.oracles.reference import check_arguments


@tf.custom_gradient
def spike_function(v_scaled, sigma, amplitude):
    """Heaviside spike with the training code's Gaussian pseudo-derivative."""
    z = tf.cast(v_scaled > 0.0, v_scaled.dtype)

    def grad(dy):
        pseudo = tf.exp(-tf.square(v_scaled) / tf.square(sigma)) * amplitude
        return dy * pseudo, tf.zeros_like(sigma), tf.zeros_like(amplitude)

    return tf.identity(z), grad


def constants_float64(neurons, dt=1.0):
    """The cell's constants in float64: the exact oracle, with the step constants of
    :func:`pynn_glif3.model.propagators.propagators` (the NumPy reference's values).  The cell's
    ``current_factor`` is the reference's ``F = (1 - D) / g``: with currents divided by ``vs`` it
    moves the normalised voltage as ``F`` moves the voltage in mV."""
    p = NeuronParameters.coerce(neurons)
    c = propagators(p, dt)
    vs = p.V_th - p.E_L
    return dict(voltage_scale=vs, voltage_offset=p.E_L, v_th=(p.V_th - p.E_L) / vs,
                e_l=(p.E_L - p.E_L) / vs, v_reset=(p.V_reset - p.E_L) / vs, t_ref=p.t_ref,
                param_g=p.g, decay=c.decay_v, current_factor=c.drive_v, syn_decay=c.decay_syn,
                psc_initial=c.rise_gain, asc_decay=c.decay_asc, asc_amps=p.asc_amps / vs[:, None],
                i_offset=p.I_offset / vs)


def training_constants_float32(neurons, dt=1.0):
    """The cell's constants in float32, computed as the training code's column computes them.

    The training code holds the node parameters in float32 NumPy arrays and derives the
    normalisation, ``decay``, ``current_factor``, ``syn_decay`` and ``psc_initial`` with NumPy
    float32 arithmetic in the order written below; it stores ``k`` as the logit
    ``log(k / (1 - k))`` (TF ops) and reads it back through ``tf.nn.sigmoid`` before
    ``tf.exp(-dt * k[:, j])``, one (N,) column at a time.  Computing these in float64 and casting
    gives other last bits (``current_factor`` up to 2.5e-6 relative), and a float32 run then parts
    from the training code's own after a few hundred steps.  ``I_offset`` (absent from the
    training code, 0 in its networks) is divided by ``vs`` alike.
    """
    p = NeuronParameters.coerce(neurons)
    dt = float(dt)      # a Python float, as in the training code: a NumPy float64 would promote
    f32 = {name: np.asarray(getattr(p, name), dtype=np.float32) for name in
           ("V_th", "E_L", "V_reset", "C_m", "g", "t_ref", "k", "asc_amps", "tau_syn", "I_offset")}
    vs = f32["V_th"] - f32["E_L"]
    offset = f32["E_L"]
    tau = f32["C_m"] / f32["g"]
    decay = np.exp(-dt / tau)
    k = tf.constant(f32["k"], dtype=tf.float32)
    k_read = tf.nn.sigmoid(tf.math.log(k / (1 - k)))
    asc_decay = np.stack([tf.exp(-dt * k_read[:, j]).numpy() for j in range(k_read.shape[1])], axis=1)
    out = dict(voltage_scale=vs, voltage_offset=offset, v_th=(f32["V_th"] - offset) / vs,
               e_l=(f32["E_L"] - offset) / vs, v_reset=(f32["V_reset"] - offset) / vs,
               t_ref=f32["t_ref"], param_g=f32["g"], decay=decay,
               current_factor=1 / f32["C_m"] * (1 - decay) * tau,
               syn_decay=np.exp(-dt / f32["tau_syn"]), psc_initial=np.e / f32["tau_syn"],
               asc_decay=asc_decay, asc_amps=f32["asc_amps"] / vs[..., None],
               i_offset=f32["I_offset"] / vs)
    # NumPy keeps float32 for these expressions (Python scalars do not promote); make sure
    for name, value in out.items():
        if value.dtype != np.float32:
            raise AssertionError(f"{name} came out {value.dtype}, not float32")
    return out


def recurrent_sparse_arrays(recurrent, neurons, dt=1.0, max_delay_ms=TRAINING_MAX_DELAY_MS):
    """Recurrent synapses (pA, ms) as the training code stores them.

    Returns ``(indices, values, max_delay_steps)``: ``indices`` (S, 2) int64 with row
    ``4 * target + receptor`` and column ``source + N * (delay_steps - 1)``, ``values`` the weights
    divided by the target's ``vs`` (float64).
    """
    p = NeuronParameters.coerce(neurons)
    syn = Synapses.coerce(recurrent)
    n = p.n
    d = delay_steps(syn.delay, dt, max_delay_ms)
    max_delay = int(d.max()) if syn.n else 1
    vs = p.V_th - p.E_L
    indices = np.stack([syn.target * N_RECEPTORS + syn.receptor, syn.source + n * (d - 1)], axis=1)
    return indices.astype(np.int64), syn.weight / vs[syn.target], max_delay


def input_sparse_arrays(inputs, neurons):
    """Input synapses (pA) as the training code stores them: (indices (S, 2), normalised weights)."""
    p = NeuronParameters.coerce(neurons)
    syn = Synapses.coerce(inputs)
    vs = p.V_th - p.E_L
    indices = np.stack([syn.target * N_RECEPTORS + syn.receptor, syn.source], axis=1)
    return indices.astype(np.int64), syn.weight / vs[syn.target]


def _canonical_order(indices, values):
    """Indices and values sorted by row, then column: TF's sparse ops need that order, and sorting
    once here spares a reorder at every step.  Also returns the permutation applied."""
    indices = np.asarray(indices, dtype=np.int64).reshape(-1, 2)
    order = np.lexsort((indices[:, 1], indices[:, 0]))
    return indices[order], np.asarray(values)[order], order


class SignedConstraint(keras.constraints.Constraint):
    """Dale's law: each weight stays on the side of zero it started on (zero where it would cross)."""

    def __init__(self, positive):
        self.positive = np.asarray(positive, dtype=bool)

    def __call__(self, w):
        return tf.where(self.positive, tf.nn.relu(w), -tf.nn.relu(-w))


def _weight(layer, values, name, trainable, dale_law):
    constraint = SignedConstraint(values >= 0) if dale_law else None
    return layer.add_weight(shape=values.shape, initializer=keras.initializers.Constant(values),
                            trainable=trainable, name=name, dtype=layer.compute_dtype,
                            constraint=constraint)


def _original_order(values, order):
    """Undo :func:`_canonical_order` on trained values."""
    out = np.empty_like(values)
    out[order] = values
    return out


class GLIF3AlphaCell(keras.layers.Layer):
    """One step of the GLIF3Alpha network, as a Keras RNN cell.

    Input per step: the external synaptic input, shape (batch, 4 N), normalised (pA / vs),
    receptor-minor (``4 * neuron + receptor``).  Outputs per step: spikes (batch, N) and the
    membrane potential in mV (batch, N).  Use it with ``keras.layers.RNN(cell,
    return_sequences=True)`` for training, or through :func:`simulate`.

    ``recurrent_indices`` / ``recurrent_weights`` are the training code's storage (see
    :func:`recurrent_sparse_arrays`), so trained values can be loaded as they are.
    """

    def __init__(self, neurons, recurrent_indices, recurrent_weights, max_delay, dt=1.0,
                 gauss_std=0.5, dampening_factor=0.3, train_recurrent=True, dale_law=True, **kwargs):
        super().__init__(**kwargs)
        p = NeuronParameters.coerce(neurons)
        self.n_neurons = n = p.n
        self.max_delay = int(max_delay)
        self.dt = float(dt)
        self._gauss_std = gauss_std
        self._dampening_factor = dampening_factor
        c = self.compute_dtype
        if c == "float32":
            constants = training_constants_float32(p, self.dt)
        else:
            constants = constants_float64(p, self.dt)
        for name, value in constants.items():
            setattr(self, name, tf.constant(value, dtype=c))
        self.recurrent_indices, values, self._order = _canonical_order(recurrent_indices, recurrent_weights)
        self.recurrent_dense_shape = (N_RECEPTORS * n, self.max_delay * n)
        self.recurrent_weight_values = _weight(self, values, "recurrent_weight_values",
                                               train_recurrent, dale_law)
        self.state_size = [n * self.max_delay, n, n, n, n, N_RECEPTORS * n, N_RECEPTORS * n]
        self.output_size = [n, n]

    def recurrent_weights(self):
        """Current (normalised) recurrent weights, in the order they were given."""
        return _original_order(np.asarray(self.recurrent_weight_values.numpy()), self._order)

    def get_initial_state(self, batch_size=1):
        c, n = self.compute_dtype, self.n_neurons
        zeros = lambda size: tf.zeros((batch_size, size), c)  # noqa: E731
        v0 = tf.ones((batch_size, n), c) * self.v_reset
        return [zeros(n * self.max_delay), v0, zeros(n), zeros(n), zeros(n),
                zeros(N_RECEPTORS * n), zeros(N_RECEPTORS * n)]

    def _sparse_recurrent(self):
        return tf.sparse.SparseTensor(self.recurrent_indices, self.recurrent_weight_values,
                                      self.recurrent_dense_shape)

    def call(self, inputs, states, training=False):
        z_buf, v, r, asc_1, asc_2, psc_rise, psc = states
        n = self.n_neurons
        batch = tf.shape(v)[0]
        prev_z = z_buf[:, :n]
        dt = tf.cast(self.dt, self.compute_dtype)

        i_rec = tf.transpose(tf.sparse.sparse_dense_matmul(
            self._sparse_recurrent(), tf.cast(z_buf, self.compute_dtype), adjoint_b=True))
        u = tf.reshape(i_rec + inputs, (batch, n, N_RECEPTORS))
        psc_rise = tf.reshape(psc_rise, (batch, n, N_RECEPTORS))
        psc = tf.reshape(psc, (batch, n, N_RECEPTORS))

        new_psc_rise = self.syn_decay * psc_rise + u * self.psc_initial
        new_psc = psc * self.syn_decay + dt * self.syn_decay * psc_rise
        new_r = tf.nn.relu(r + prev_z * self.t_ref - dt)
        new_asc_1 = self.asc_decay[:, 0] * asc_1 + prev_z * self.asc_amps[:, 0]
        new_asc_2 = self.asc_decay[:, 1] * asc_2 + prev_z * self.asc_amps[:, 1]
        reset = prev_z * (self.v_reset - self.v_th)
        # Y summed one receptor at a time, in the reference's order.
        input_current = psc[..., 0] + psc[..., 1] + psc[..., 2] + psc[..., 3]
        total = input_current + asc_1 + asc_2 + self.i_offset + self.param_g * self.e_l
        new_v = self.decay * v + self.current_factor * total + reset

        v_scaled = (new_v - self.v_th) / (self.v_th - self.e_l)
        new_z = spike_function(v_scaled, tf.cast(self._gauss_std, self.compute_dtype),
                               tf.cast(self._dampening_factor, self.compute_dtype))
        new_z = tf.where(new_r > 0.0, tf.zeros_like(new_z), new_z)

        new_z_buf = tf.concat([new_z, z_buf[:, :-n]], axis=1)
        v_mV = new_v * self.voltage_scale + self.voltage_offset
        new_states = [new_z_buf, new_v, new_r, new_asc_1, new_asc_2,
                      tf.reshape(new_psc_rise, (batch, -1)), tf.reshape(new_psc, (batch, -1))]
        return [new_z, v_mV], new_states


class GLIF3AlphaInput(keras.layers.Layer):
    """External input: LGN spikes through a sparse matrix plus the background, normalised.

    Call with input spikes (batch, T, n_inputs) and optionally background counts (batch, T); without
    counts it draws the training model's Binomial(10, 0.1) count per step, shared by all neurons,
    or, when built with a ``decoded_noise`` pool (:class:`pynn_glif3.model.noise.NoisePool`), the decoded
    noise of the published training: a quick pool value per step and a slow one per trial, for each
    neuron and receptor.  Returns (batch, T, 4 N).
    """

    def __init__(self, n_neurons, n_inputs, input_indices, input_weights, bkg_weights=None,
                 train_input=True, decoded_noise=None, dale_law=True, **kwargs):
        super().__init__(**kwargs)
        self.decoded_noise = decoded_noise
        if decoded_noise is not None:
            self._noise_values = tf.constant(decoded_noise.pool, dtype=self.compute_dtype)
        self.n_neurons, self.n_inputs = int(n_neurons), int(n_inputs)
        self.input_indices, w, self._order = _canonical_order(input_indices, input_weights)
        self.input_weight_values = _weight(self, w, "input_weight_values", train_input, dale_law)
        bkg = np.zeros(N_RECEPTORS * n_neurons) if bkg_weights is None else np.ravel(bkg_weights)
        self.bkg_weights = tf.constant(bkg, dtype=self.compute_dtype)

    def input_weights(self):
        """Current (normalised) input weights, in the order they were given."""
        return _original_order(np.asarray(self.input_weight_values.numpy()), self._order)

    def call(self, input_spikes, bkg_counts=None):
        c = self.compute_dtype
        shape = tf.shape(input_spikes)
        batch, steps = shape[0], shape[1]
        w = tf.sparse.SparseTensor(self.input_indices, self.input_weight_values,
                                   (N_RECEPTORS * self.n_neurons, self.n_inputs))
        flat = tf.reshape(tf.cast(input_spikes, c), (batch * steps, self.n_inputs))
        current = tf.transpose(tf.sparse.sparse_dense_matmul(w, flat, adjoint_b=True))
        current = tf.reshape(current, (batch, steps, N_RECEPTORS * self.n_neurons))
        if bkg_counts is None and self.decoded_noise is not None:
            return current + self._draw_decoded_noise(batch, steps)
        if bkg_counts is None:
            bkg_counts = tf.reduce_sum(tf.cast(tf.random.uniform((batch, steps, 10)) < 0.1, c), -1)
        counts = tf.cast(bkg_counts, c)
        if counts.shape.rank == 3:      # one count per neuron: (batch, T, N) -> per receptor
            counts = tf.repeat(counts, N_RECEPTORS, axis=-1)
        else:
            counts = counts[..., None]
        return current + self.bkg_weights[None, None] * counts

    def _draw_decoded_noise(self, batch, steps):
        size = self.decoded_noise.pool.size
        width = N_RECEPTORS * self.n_neurons
        quick = tf.random.uniform((batch, steps, width), maxval=size, dtype=tf.int64)
        slow = tf.random.uniform((batch, 1, width), maxval=size, dtype=tf.int64)
        return (self.decoded_noise.quick_scale * tf.gather(self._noise_values, quick)
                + self.decoded_noise.slow_scale * tf.gather(self._noise_values, slow))


def _run(cell, currents, record_currents):
    """Step ``cell`` over currents (T, 4N) for one trial; returns stacked outputs."""
    state = [s for s in cell.get_initial_state(1)]
    n = cell.n_neurons

    def step(carry, u_t):
        outputs, new_state = cell.call(u_t[None], carry[0])
        z, v_mV = outputs
        extra = [new_state[3][0], new_state[4][0], new_state[6][0]] if record_currents else []
        return (new_state, [z[0], v_mV[0]] + extra)

    c = cell.compute_dtype
    zeros = [tf.zeros((n,), c), tf.zeros((n,), c)]
    if record_currents:
        zeros += [tf.zeros((n,), c), tf.zeros((n,), c), tf.zeros((N_RECEPTORS * n,), c)]
    _, outputs = tf.scan(step, currents, initializer=(state, zeros))
    return outputs


def simulate(neurons, n_steps, dt=1.0, recurrent=None, inputs=None, input_spikes=None,
             bkg_weights=None, bkg_counts=None, max_delay_ms=TRAINING_MAX_DELAY_MS,
             record_currents=False, noise=None, dtype="float64"):
    """Run the network in TensorFlow; same arguments and result as :func:`pynn_glif3.oracles.reference.simulate`.

    ``dtype="float32"`` runs as the model was trained; ``"float64"`` is the exact oracle.
    """
    p, recurrent, inputs, input_spikes, bkg_weights, bkg_counts = check_arguments(
        neurons, n_steps, recurrent, inputs, input_spikes, bkg_weights, bkg_counts, noise)
    n = p.n
    vs = p.V_th - p.E_L
    n_inputs = 1 if input_spikes is None else input_spikes.shape[1]
    spikes_in = np.zeros((n_steps, n_inputs)) if inputs is None else input_spikes[:n_steps]
    counts = np.zeros(n_steps) if bkg_counts is None else bkg_counts[:n_steps]   # (T,) or (T, N)
    cell, layer = build_layers(p, recurrent, inputs, n_inputs, bkg_weights, dt, max_delay_ms, dtype)
    currents = layer(tf.constant(spikes_in[None], dtype=dtype), tf.constant(counts[None], dtype=dtype))[0]
    if noise is not None:
        # decoded noise is already normalised: it joins the input as the training code adds it
        currents = currents + tf.constant(noise.all_input()[:n_steps].reshape(n_steps, -1), dtype=dtype)

    outputs = tf.function(lambda u: _run(cell, u, record_currents))(currents)
    outputs = [o.numpy() for o in outputs]
    result = SimulationResult(outputs[0] > 0.5, outputs[1].astype(np.float64), dt=float(dt))
    if record_currents:
        result.asc = np.stack([outputs[2], outputs[3]], axis=-1) * vs[None, :, None]
        result.psc = outputs[4].reshape(n_steps, n, N_RECEPTORS) * vs[None, :, None]
    return result


def build_layers(neurons, recurrent, inputs, n_inputs, bkg_weights=None, dt=1.0,
                 max_delay_ms=TRAINING_MAX_DELAY_MS, dtype="float64"):
    """(:class:`GLIF3AlphaCell`, :class:`GLIF3AlphaInput`) of a network in physical units (pA, ms);
    ``recurrent`` or ``inputs`` may be None."""
    p = NeuronParameters.coerce(neurons)
    recurrent = Synapses.empty(with_delay=True) if recurrent is None else recurrent
    rec_idx, rec_w, max_delay = recurrent_sparse_arrays(recurrent, p, dt, max_delay_ms)
    cell = GLIF3AlphaCell(p, rec_idx, rec_w, max_delay, dt=dt, dtype=dtype)
    if inputs is None:
        in_idx, in_w = np.zeros((0, 2), np.int64), np.zeros(0)
    else:
        in_idx, in_w = input_sparse_arrays(inputs, p)
    vs = p.V_th - p.E_L
    bkg = None if bkg_weights is None else np.asarray(bkg_weights) / vs[:, None]
    return cell, GLIF3AlphaInput(p.n, int(n_inputs), in_idx, in_w, bkg, dtype=dtype)


class TrialRunner:
    """Many trials of one network in TensorFlow, in batches: the TF side of a comparison.

    Built once from the network (physical units, as :func:`simulate` takes it); :meth:`spikes`
    runs a batch of trials, each from the initial state, and returns their rasters.
    """

    def __init__(self, neurons, recurrent, inputs, n_inputs, bkg_weights=None, dt=1.0,
                 max_delay_ms=TRAINING_MAX_DELAY_MS, dtype="float64"):
        self.cell, self.input_layer = build_layers(neurons, recurrent, inputs, n_inputs, bkg_weights,
                                                   dt, max_delay_ms, dtype)
        self.rnn = keras.layers.RNN(self.cell, return_sequences=True, dtype=dtype)
        self.dtype = dtype
        self._spikes = tf.function(lambda x, c: self.rnn(self.input_layer(x, c))[0])

    def spikes(self, input_spikes, bkg_counts=None):
        """(B, T, N) bool rasters for input spikes (B, T, n_inputs) and background counts (B, T)
        or (B, T, N) (None: no background)."""
        x = np.asarray(input_spikes)
        counts = np.zeros(x.shape[:2]) if bkg_counts is None else np.asarray(bkg_counts)
        z = self._spikes(tf.constant(x, dtype=self.dtype), tf.constant(counts, dtype=self.dtype))
        return z.numpy() > 0.5
