#!/usr/bin/env bash
# Sets up everything pynn_glif3 needs on a Debian machine, then runs the main job or the tests.
#
#   bash quickstart.sh demo    # set up, then run the main job
#   bash quickstart.sh test    # set up, then run the test suite
#
# Set-up: Debian packages (a C++ compiler and the ltdl header for the NEST module; the ARM
# toolchain and qemu for checking the SpiNNaker model), a virtual
# environment in .venv with the package and its extras, the NEST extension module and the NEURON
# mechanisms.
set -euo pipefail
cd "$(dirname "$0")"
job=${1:-demo}
shift || true

python=${PYTHON:-python3}
venv=${PYNN_GLIF3_VENV:-.venv}

. scripts/setup_common.sh
missing=()
command -v g++ >/dev/null 2>&1 || missing+=(g++)
[ -f /usr/include/ltdl.h ] || missing+=(libltdl-dev)
# the SpiNNaker model is checked by compiling it for the ARM968 and running it under qemu
command -v arm-none-eabi-gcc >/dev/null 2>&1 || missing+=(gcc-arm-none-eabi)
[ -f /usr/lib/arm-none-eabi/newlib/rdimon.specs ] || missing+=(libnewlib-arm-none-eabi)
command -v qemu-arm >/dev/null 2>&1 || missing+=(qemu-user)
install_debian_packages "${missing[@]}"
make_venv "$python" "$venv"
echo "== installing pynn_glif3 with its NEST, TensorFlow, sPyNNaker, Brian2, NEURON, plotting and test extras"
"$venv/bin/python" -m pip install -q --upgrade pip >/dev/null
"$venv/bin/python" -m pip install -q -e ".[nest,tf,spinnaker,brian2,neuron,plots,test]"

if "$venv/bin/python" -c "import nest" >/dev/null 2>&1; then
    echo "== building the NEST extension module (cached after the first build)"
    "$venv/bin/python" -m pynn_glif3 build-nest
fi

if "$venv/bin/python" -c "import neuron" >/dev/null 2>&1; then
    echo "== compiling the NEURON mechanisms: PyNN's and glif3_alpha (cached after the first build)"
    "$venv/bin/python" -m pynn_glif3 build-neuron
fi

export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
case "$job" in
    demo)
        echo "== main job: pynn-glif3 compare ${*:-(the bundled digits V1 network of 2,000 neurons, its 300 held-out samples)}"
        echo "   on NEST (or --simulator) and on the TensorFlow model, with the same input spikes"
        exec "$venv/bin/python" examples/demo.py "$@"
        ;;
    test)
        echo "== test suite"
        exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@" tests
        ;;
    *)
        echo "usage: bash quickstart.sh demo|test [arguments]" >&2
        exit 2
        ;;
esac
