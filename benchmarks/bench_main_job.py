"""The main job, timed: ``pynn-glif3 compare`` on the bundled digits model, where the time goes.

Runs ``python -m pynn_glif3 compare`` in a fresh process for each code version given, on the same
samples, and splits its wall time into

* ``build_s``: building the network on NEST (sum of the per-sample ``build_seconds``);
* ``simulate_s``: NEST's simulation (sum of ``run_seconds``);
* ``tf_s``: the TensorFlow layer on the same inputs (``tf_seconds`` of tf_comparison.json);
* ``other_s``: everything else: reading the recording back, cutting it into samples, neo objects,
  files, summary, plots, imports and start-up.

``outside_fraction`` is ``other_s / wall_s``: the share of the wall time spent outside the
simulator and TF.  A code version is ``work`` (this checkout) or a git ref (e.g. ``HEAD~3``),
exported with ``git archive`` into a temporary directory and run from there; both run in the same
session, so their ratio is meaningful even on a busy machine.

    python benchmarks/bench_main_job.py [--samples 0:50] [--versions REF work] [--json FILE]
"""

import json
import os
import subprocess
import sys
import tempfile
import time

from common import parser, print_table, write_json

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def checkout(version, tmp):
    """A directory holding the package at ``version`` ("work": this checkout)."""
    if version == "work":
        return ROOT
    path = os.path.join(tmp, version.replace("/", "_").replace("~", "_"))
    os.makedirs(path)
    archive = subprocess.run(["git", "-C", ROOT, "archive", version], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", path], input=archive.stdout, check=True)
    return path


def time_compare(code_dir, samples, out, extra=()):
    """One ``compare`` run of the package in ``code_dir``: a dict of seconds."""
    env = dict(os.environ, PYTHONPATH=code_dir, TF_CPP_MIN_LOG_LEVEL="2")
    cmd = [sys.executable, "-m", "pynn_glif3", "compare", "--samples", samples, "--out", out,
           "--quiet", *extra]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=code_dir)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    with open(os.path.join(out, "results.json")) as f:
        per_sample = json.load(f)["per_sample"]
    with open(os.path.join(out, "tf_comparison.json")) as f:
        tf = json.load(f)
    build = sum(r["build_seconds"] for r in per_sample)
    simulate = sum(r["run_seconds"] for r in per_sample)
    tf_s = tf["tf_seconds"]
    other = wall - build - simulate - tf_s
    table = [ln for ln in proc.stdout.splitlines() if "accuracy" in ln or "identical" in ln]
    return dict(samples=len(per_sample), wall_s=wall, build_s=build, simulate_s=simulate, tf_s=tf_s,
                other_s=other, outside_fraction=other / wall, table=table)


def main(argv=None):
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--samples", default="all", help="samples of the bundled stimulus (default all 300)")
    p.add_argument("--versions", nargs="+", default=["work"],
                   help="code versions to time: 'work' (this checkout) or git refs (default work)")
    args = p.parse_args(argv)
    samples = "0:10" if args.quick else args.samples
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_main_job_") as tmp:
        for version in args.versions:
            code = checkout(version, tmp)
            row = dict(version=version, **time_compare(code, samples, os.path.join(tmp, f"out_{len(rows)}")))
            rows.append(row)
            print("\n".join(row["table"]))
            print_table(rows[-1:], [k for k in row if k != "table"])
            sys.stdout.flush()
    print()
    columns = ["version", "samples", "wall_s", "build_s", "simulate_s", "tf_s", "other_s",
               "outside_fraction"]
    print_table(rows, columns)
    if len(rows) > 1:
        base = rows[0]
        for row in rows[1:]:
            print(f"{row['version']} vs {base['version']}: wall x{base['wall_s'] / row['wall_s']:.2f} "
                  f"faster, outside simulator and TF x{base['other_s'] / max(row['other_s'], 1e-9):.1f}")
    write_json(args.json, "main_job", rows, sample_selection=samples)


if __name__ == "__main__":
    main()
