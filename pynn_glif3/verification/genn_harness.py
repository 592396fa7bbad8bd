"""Run the GeNN snippets without GeNN: wrap them in C++, compile with g++, step a network.

The harness keeps GeNN's order within a step (postsynaptic models, then the neuron's ``sim_code``,
then the threshold test and ``reset_code``) and its delivery of spikes (a spike of step n on a
synapse of d steps lands in the target's ``inSyn`` for step n + d).  In float mode it compiles with
``scalar = float`` and puts an ``f`` suffix on literals, as GeNN does.  External input and
background are given as per-step synaptic input (pA) computed on the host.
"""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from pynn_glif3.model import N_RECEPTORS, TRAINING_MAX_DELAY_MS, delay_steps
from pynn_glif3.model.results import SimulationResult
from pynn_glif3.oracles.reference import check_arguments
from pynn_glif3.backends.genn import snippets

_LITERAL = re.compile(r"(?<![\w.])(\d+\.\d*|\.\d+)(?![\w.])")


class HarnessUnavailable(RuntimeError):
    pass


def _float_literals(code):
    return _LITERAL.sub(lambda m: m.group(1) + "f", code)


def _block(code, var_table, array_prefix, index, precision):
    """One snippet, with each variable bound to element ``index`` of its array."""
    lines = []
    for name, _, access in var_table:
        if access == "ro":
            lines.append(f"const scalar {name} = {array_prefix}{name}[{index}];")
        else:
            lines.append(f"scalar &{name} = {array_prefix}{name}[{index}];")
    body = _float_literals(code) if precision == "float" else code
    return "\n".join(lines) + "\n" + body


def generate_source(precision="double", dt=1.0):
    """The harness's C++ source for ``precision`` ("double" or "float")."""
    s = snippets.load()
    scalar = "double" if precision == "double" else "float"
    dt_literal = repr(float(dt)) + ("f" if precision == "float" else "")
    neuron_arrays = "\n".join(f"static std::vector<scalar> n_{v};" for v, _, _ in s.NEURON_VARS)
    psm_arrays = "\n".join(f"static std::vector<scalar> p_{v}[{N_RECEPTORS}];" for v, _, _ in s.PSM_VARS)
    read_neuron = "\n".join(f"    read_vars(f, n_{v}, N);" for v, _, _ in s.NEURON_VARS)
    read_psm = "\n".join(f"        read_vars(f, p_{v}[r], N);" for v, _, _ in s.PSM_VARS)
    psm_vars = [(v, t, a) for v, t, a in s.PSM_VARS]
    psm_block = _block(s.PSM_SIM_CODE, psm_vars, "p_", "i", precision)
    for v, _, _ in s.PSM_VARS:
        psm_block = psm_block.replace(f"p_{v}[i]", f"p_{v}[r][i]")
    neuron_block = _block(s.NEURON_SIM_CODE, s.NEURON_VARS, "n_", "i", precision)
    threshold = _float_literals(s.NEURON_THRESHOLD_CODE) if precision == "float" else s.NEURON_THRESHOLD_CODE
    thr_block = _block(f"spiked = ({threshold});", s.NEURON_VARS, "n_", "i", precision)
    reset_block = _block(s.NEURON_RESET_CODE, s.NEURON_VARS, "n_", "i", precision)
    return f"""// Generated harness: GLIF3Alpha GeNN snippets stepped in GeNN's order.
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <vector>
using std::fmax; using std::fmin; using std::exp;
typedef {scalar} scalar;
static const int NREC = {N_RECEPTORS};
{neuron_arrays}
{psm_arrays}
static std::vector<scalar> in_syn[NREC];

template <typename T> static void read_raw(FILE *f, T *dst, size_t n) {{
    if (fread(dst, sizeof(T), n, f) != n) {{ fprintf(stderr, "short input file\\n"); exit(2); }}
}}
static void read_vars(FILE *f, std::vector<scalar> &v, int n) {{
    std::vector<double> tmp(n); read_raw(f, tmp.data(), n);
    v.assign(tmp.begin(), tmp.end());
}}

int main(int argc, char **argv) {{
    if (argc != 3) {{ fprintf(stderr, "usage: harness input output\\n"); return 2; }}
    FILE *f = fopen(argv[1], "rb");
    if (!f) {{ perror(argv[1]); return 2; }}
    int32_t hdr[4]; read_raw(f, hdr, 4);
    const int N = hdr[0], T = hdr[1], L = hdr[2], S = hdr[3];
{read_neuron}
    for (int r = 0; r < NREC; r++) {{
{read_psm}
        in_syn[r].assign(N, 0);
    }}
    std::vector<int32_t> src(S), tgt(S), rec(S), del(S); std::vector<double> w(S);
    read_raw(f, src.data(), S); read_raw(f, tgt.data(), S); read_raw(f, rec.data(), S);
    read_raw(f, del.data(), S); read_raw(f, w.data(), S);
    std::vector<double> ext((size_t)T * N * NREC); read_raw(f, ext.data(), ext.size());
    fclose(f);
    // synapses grouped by source
    std::vector<int> start(N + 1, 0);
    for (int s = 0; s < S; s++) start[src[s] + 1]++;
    for (int j = 0; j < N; j++) start[j + 1] += start[j];
    std::vector<int> order(S), fill(start.begin(), start.end() - 1);
    for (int s = 0; s < S; s++) order[fill[src[s]]++] = s;
    // dendritic delay ring: arrivals per (slot, receptor, neuron)
    std::vector<scalar> ring((size_t)L * NREC * N, 0);
    const scalar dt = {dt_literal};
    FILE *out = fopen(argv[2], "wb");
    std::vector<uint8_t> spikes(N); std::vector<double> volts(N);
    for (int n = 0; n < T; n++) {{
        const int slot = n % L;
        for (int r = 0; r < NREC; r++)
            for (int i = 0; i < N; i++) {{
                scalar &arrive = ring[((size_t)slot * NREC + r) * N + i];
                in_syn[r][i] += arrive; arrive = 0;
                in_syn[r][i] += (scalar)ext[((size_t)n * N + i) * NREC + r];
            }}
        for (int i = 0; i < N; i++) {{
            scalar Isyn = 0;
            for (int r = 0; r < NREC; r++) {{
                scalar &inSyn = in_syn[r][i];
                auto injectCurrent = [&Isyn](scalar x) {{ Isyn += x; }};
                {{
{psm_block}
                }}
            }}
            {{
{neuron_block}
            }}
            bool spiked;
            {{
{thr_block}
            }}
            if (spiked) {{
{reset_block}
            }}
            spikes[i] = spiked;
            volts[i] = n_V[i];
        }}
        for (int j = 0; j < N; j++) {{
            if (!spikes[j]) continue;
            for (int k = start[j]; k < start[j + 1]; k++) {{
                const int s = order[k];
                ring[((size_t)((n + del[s]) % L) * NREC + rec[s]) * N + tgt[s]] += (scalar)w[s];
            }}
        }}
        fwrite(spikes.data(), 1, N, out); fwrite(volts.data(), sizeof(double), N, out);
    }}
    fclose(out);
    return 0;
}}
"""


def compile_harness(precision="double", dt=1.0, workdir=None):
    """Compile the harness; returns the executable's path.  Raises HarnessUnavailable without g++."""
    cxx = shutil.which(os.environ.get("CXX", "g++"))
    if cxx is None:
        raise HarnessUnavailable("no C++ compiler: install Debian's g++ (apt-get install g++)")
    workdir = Path(workdir or tempfile.mkdtemp(prefix="glif3_genn_harness_"))
    src = workdir / f"harness_{precision}.cpp"
    exe = workdir / f"harness_{precision}"
    src.write_text(generate_source(precision, dt))
    # -O2 without -ffast-math: IEEE semantics, as GeNN's default (optimize_code=False)
    cmd = [cxx, "-std=c++17", "-O2", "-ffp-contract=off", "-o", str(exe), str(src)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"compiling the GeNN harness failed:\n{proc.stderr}")
    return exe


def simulate(neurons, n_steps, dt=1.0, recurrent=None, inputs=None, input_spikes=None,
             bkg_weights=None, bkg_counts=None, max_delay_ms=TRAINING_MAX_DELAY_MS,
             precision="double", executable=None):
    """Run the snippets in the harness; same arguments and result as the reference's ``simulate``."""
    p, recurrent, inputs, input_spikes, bkg_weights, bkg_counts = check_arguments(
        neurons, n_steps, recurrent, inputs, input_spikes, bkg_weights, bkg_counts)
    n = p.n
    ext = np.zeros((n_steps, n, N_RECEPTORS))
    if inputs is not None and inputs.n:
        counts = np.asarray(input_spikes[:n_steps], dtype=np.float64)
        for r in range(N_RECEPTORS):
            sel = inputs.receptor == r
            w = np.zeros((counts.shape[1], n))
            np.add.at(w, (inputs.source[sel], inputs.target[sel]), inputs.weight[sel])
            ext[:, :, r] += counts @ w
    if bkg_weights is not None:
        ext += bkg_counts[:n_steps, None, None] * bkg_weights[None]
    if recurrent is not None and recurrent.n:
        d = delay_steps(recurrent.delay, dt, max_delay_ms)
        syn = (recurrent.source, recurrent.target, recurrent.receptor, d, recurrent.weight)
    else:
        d = np.ones(0, dtype=np.int64)
        syn = (d, d, d, d, np.zeros(0))
    ring_len = int(d.max()) + 1 if d.size else 1

    s = snippets.load()
    exe = executable or compile_harness(precision, dt)
    with tempfile.TemporaryDirectory(prefix="glif3_genn_run_") as tmp:
        inp, outp = Path(tmp) / "in.bin", Path(tmp) / "out.bin"
        with open(inp, "wb") as f:
            np.array([n, n_steps, ring_len, syn[0].size], dtype=np.int32).tofile(f)
            nv = snippets.neuron_var_values(p, dt)
            for name, _, _ in s.NEURON_VARS:
                np.asarray(nv[name], dtype=np.float64).tofile(f)
            for r in range(N_RECEPTORS):
                pv = snippets.psm_var_values(p, dt, r)
                for name, _, _ in s.PSM_VARS:
                    np.asarray(pv[name], dtype=np.float64).tofile(f)
            for a in syn[:4]:
                np.asarray(a, dtype=np.int32).tofile(f)
            np.asarray(syn[4], dtype=np.float64).tofile(f)
            ext.astype(np.float64).tofile(f)
        proc = subprocess.run([str(exe), str(inp), str(outp)], capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"the GeNN harness failed: {proc.stderr}")
        raw = np.fromfile(outp, dtype=np.uint8).reshape(n_steps, n * 9)
    spikes = raw[:, :n].astype(bool)
    v = raw[:, n:].copy().view(np.float64).reshape(n_steps, n)
    return SimulationResult(spikes, v, dt=float(dt))
