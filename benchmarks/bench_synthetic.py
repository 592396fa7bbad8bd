"""Synthetic V1 generation: time and peak memory to write the users' HDF5 layout, and to read it.

Each measurement runs in a fresh process, so the peak memory is that of the step alone.

    python benchmarks/bench_synthetic.py            # 5,000 / 20,000 / 51,978 neurons
    python benchmarks/bench_synthetic.py --quick    # 2,000 / 5,000
    python benchmarks/bench_synthetic.py --json results/bench_synthetic.json
"""

import multiprocessing as mp
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common import parser, peak_rss_mb, print_table, timed, write_json  # noqa: E402


def _write(path, n, seed):
    from pynn_glif3.generate import synthetic
    seconds, _ = timed(synthetic.write_synthetic_v1, path, n, seed=seed)
    return dict(write_s=seconds, write_peak_MB=peak_rss_mb(), file_MB=os.path.getsize(path) / 1e6)


def _read(path):
    from pynn_glif3.io.users_h5 import read_users_h5
    seconds, net = timed(read_users_h5, path)
    return dict(read_s=seconds, read_peak_MB=peak_rss_mb(), recurrent=net.recurrent.n,
                inputs=net.inputs.n, negative_pct=round(100.0 * (net.recurrent.weight < 0).mean(), 1),
                delays_below_1ms=net.clipped_delays()[0], delays_above_5ms=net.clipped_delays()[1])


def _stimulus(path, n_samples):
    from pynn_glif3.generate import synthetic
    seconds, _ = timed(synthetic.write_synthetic_stimulus, path, n_samples=n_samples)
    return dict(stimulus_s_per_sample=seconds / n_samples, stimulus_MB=os.path.getsize(path) / 1e6)


def _in_child(fn, *args):
    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(fn, args)


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    sizes = (2000, 5000) if args.quick else (5000, 20000, 51978)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = os.path.join(tmp, f"v1_{n}.h5")
            row = dict(neurons=n)
            row.update(_in_child(_write, path, n, args.seed))
            row.update(_in_child(_read, path))
            rows.append(row)
            os.remove(path)
            print(f"  {n} neurons done", flush=True)
        stim = _in_child(_stimulus, os.path.join(tmp, "stim.h5"), 2 if args.quick else 4)
    print("Synthetic V1 in the users' HDF5 layout (fresh process per step)")
    print_table(rows, ["neurons", "recurrent", "inputs", "write_s", "write_peak_MB", "file_MB",
                       "read_s", "read_peak_MB", "negative_pct", "delays_below_1ms", "delays_above_5ms"])
    print(f"stimulus (17,400 LGN units x 600 steps, gzip): {stim['stimulus_s_per_sample']:.2f} s per "
          f"sample, {stim['stimulus_MB']:.1f} MB")
    write_json(args.json, "synthetic", rows, stimulus=stim, seed=args.seed, cpus=os.cpu_count())


if __name__ == "__main__":
    main()
