#!/usr/bin/env bash
# Builds an MPI-enabled NEST into its own virtual environment, then installs pynn_glif3 there and
# builds the glif3_alpha module against that NEST.
#
#   bash scripts/install_nest_mpi.sh [VENV]      # VENV defaults to ~/.local/share/pynn-glif3/nest-mpi
#
# The PyPI wheel of nest-simulator has threads but no MPI; its source distribution (the same version)
# builds with MPI against Debian's OpenMPI.  Settings (environment):
#   NEST_VERSION   the NEST version to build (default: the one pynn_glif3 is tested with, 3.10.0)
#   NEST_MODELS    build only these NEST models (;-separated, e.g. the ones pynn_glif3 and PyNN's
#                  spike sources, recorders and current sources use: see docs/mpi.md); default:
#                  every model of NEST's full model set
#   BUILD_JOBS     parallel compile jobs (default 2; the build is niced)
#   BUILD_DIR      where the source is unpacked and built (default VENV/build); kept, so a rerun after
#                  an interruption only compiles what is missing
# Takes about 40-60 minutes with 2 jobs on a 2-core machine.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${1:-${PYNN_GLIF3_MPI_VENV:-$HOME/.local/share/pynn-glif3/nest-mpi}}
nest_version=${NEST_VERSION:-3.10.0}
jobs=${BUILD_JOBS:-2}
python=${PYTHON:-python3}
build_dir=${BUILD_DIR:-$venv/build}

# Debian: OpenMPI (compiler wrappers, headers, mpirun), and NEST's optional libraries that the wheel
# also uses (Boost headers, GSL, ltdl for loading extension modules).
. "$repo/scripts/setup_common.sh"
missing=()
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v mpicxx >/dev/null 2>&1 || missing+=(libopenmpi-dev)
command -v mpirun >/dev/null 2>&1 || missing+=(openmpi-bin)
[ -f /usr/include/ltdl.h ] || missing+=(libltdl-dev)
[ -f /usr/include/gsl/gsl_rng.h ] || missing+=(libgsl-dev)
[ -f /usr/include/boost/version.hpp ] || missing+=(libboost-dev)
install_debian_packages "${missing[@]}"
make_venv "$python" "$venv"
pip() { "$venv/bin/python" -m pip "$@"; }
pip install -q --upgrade pip
pip install -q scikit-build-core "cython>=3" setuptools wheel cmake ninja numpy
# mpi4py built against the system's OpenMPI; PyNEST finds it at configure time, and PyNN gathers
# recordings across ranks with it
pip install -q --no-binary mpi4py mpi4py

echo "== fetching the nest-simulator $nest_version source distribution"
mkdir -p "$build_dir"
src="$build_dir/nest_simulator-$nest_version"
if [ ! -d "$src" ]; then
    pip download -q --no-deps --no-binary nest-simulator "nest-simulator==$nest_version" -d "$build_dir"
    tar -xzf "$build_dir/nest_simulator-$nest_version.tar.gz" -C "$build_dir"
fi

echo "== building NEST $nest_version with MPI ($jobs jobs; build tree in $src/build)"
# scikit-build-core takes CMake definitions as config settings; the rest are the sdist's own defaults
# (optimised, OpenMP, Boost, GSL, PyNEST).  No build isolation: the build tools are in the venv.
settings=(--config-settings=cmake.define.with-mpi=ON --config-settings=cmake.define.with-ltdl=ON)
if [ -n "${NEST_MODELS:-}" ]; then
    settings+=("--config-settings=cmake.define.with-models=$NEST_MODELS")
    echo "   only the models $NEST_MODELS"
fi
CMAKE_BUILD_PARALLEL_LEVEL=$jobs nice -n 10 "$venv/bin/python" -m pip install -v --no-build-isolation \
    "${settings[@]}" "$src" > "$build_dir/nest-build.log" 2>&1 || {
    echo "NEST build failed; the last lines of $build_dir/nest-build.log:" >&2
    tail -40 "$build_dir/nest-build.log" >&2
    exit 1
}

"$venv/bin/python" - <<'EOF'
import nest
if not nest.build_info.get("have_mpi"):
    raise SystemExit(f"NEST {nest.__version__} in this venv was built without MPI")
print(f"NEST {nest.__version__} with MPI ({nest.build_info.get('mpiexec')}) and "
      f"{'OpenMP' if nest.build_info.get('threading') != 'no' else 'no threads'}")
EOF

echo "== installing PyNN and pynn_glif3"
PYNN_GLIF3_SKIP_NEST_BUILD=1 pip install -q -e "$repo[nest,test]"

echo "== building the glif3_alpha module against this NEST"
"$venv/bin/python" -m pynn_glif3 build-nest
echo "== done: run MPI jobs with  mpirun -np N $venv/bin/python -m pynn_glif3 run ..."
