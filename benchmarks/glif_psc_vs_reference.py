"""How far NEST's built-in glif_psc drifts from the training model, next to glif3_alpha.

Each network (pynn_glif3.generate.random_network, the same kind the NEST tests use) runs in the NumPy
reference, in NEST with glif3_alpha and in NEST with glif_psc in GLIF3 mode, parameters mapped one
to one (see pynn_glif3.verification.nest_replay.glif_psc_parameters), with the same input and background spike
times and the same delays.  Reported, not asserted: spikes of each, raster entries (step, neuron)
that differ from the reference, the first step at which they differ, the share of reference spikes
that the model matches within one step, the correlation of per-neuron spike counts, and the mean
|V - V_ref| over the run.

    python benchmarks/glif_psc_vs_reference.py [--quick] [--json results/glif_psc_vs_reference.json]
"""

import sys

import numpy as np

from common import parser as make_parser, print_table, write_json

NETWORKS = [
    # (label, random_network keyword arguments)
    ("300 n, 50 syn, seed 7", dict(n_neurons=300, n_steps=1000, seed=7)),
    ("300 n, 50 syn, seed 8", dict(n_neurons=300, n_steps=1000, seed=8)),
    ("1000 n, 200 syn, seed 1", dict(n_neurons=1000, n_steps=1000, seed=1, synapses_per_neuron=200)),
    ("300 n, t_ref 1..3.4, seed 12",
     dict(n_neurons=300, n_steps=1000, seed=12, t_ref_choices=[1.0, 2.0, 3.0, 3.4])),
]


def compare(result, ref):
    differ = result.spikes != ref.spikes
    rows = np.flatnonzero(differ.any(axis=1))
    counts, ref_counts = result.spikes.sum(axis=0), ref.spikes.sum(axis=0)
    with np.errstate(invalid="ignore"):
        corr = float(np.corrcoef(counts, ref_counts)[0, 1])
    near = result.spikes.copy()                     # a spike within one step either side
    near[1:] |= result.spikes[:-1]
    near[:-1] |= result.spikes[1:]
    return {
        "spikes": int(result.spikes.sum()),
        "ref_spikes_within_1_step": float((ref.spikes & near).sum() / max(1, ref.spikes.sum())),
        "differing_entries": int(differ.sum()),
        "differing_fraction_of_spikes": float(differ.sum() / max(1, ref.spikes.sum())),
        "first_differing_step": int(rows[0]) if rows.size else None,
        "neurons_with_different_trains": int(differ.any(axis=0).sum()),
        "count_correlation": corr,
        "mean_abs_dv_mV": float(np.nanmean(np.abs(result.v - ref.v))),
    }


def main(argv=None):
    parser = make_parser(__doc__.splitlines()[0])
    args = parser.parse_args(argv)

    from pynn_glif3.verification.nest_replay import PyNESTNetwork
    from pynn_glif3.generate.random_network import random_network
    from pynn_glif3.oracles.reference import simulate

    networks = NETWORKS[:1] if args.quick else NETWORKS
    rows = []
    for label, kwargs in networks:
        net = random_network(**kwargs)
        ref = simulate(**net.kwargs())
        for model in ("glif3_alpha", "glif_psc"):
            network = PyNESTNetwork(net, model=model, threads=1)
            network.run()
            row = {"network": label, "model": model, "reference_spikes": int(ref.spikes.sum())}
            row.update(compare(network.result(), ref))
            rows.append(row)
            print(f"{label:<30} {model:<12} spikes {row['spikes']:>6} (reference {row['reference_spikes']}), "
                  f"differing (step, neuron) entries {row['differing_entries']}, "
                  f"first at step {row['first_differing_step']}", flush=True)
    print()
    print_table(rows, ["network", "model", "reference_spikes", "spikes", "differing_entries",
                       "first_differing_step", "neurons_with_different_trains", "ref_spikes_within_1_step",
                       "count_correlation",
                       "mean_abs_dv_mV"])
    write_json(args.json, "glif_psc_vs_reference", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
