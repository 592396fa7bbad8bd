# Shell functions shared by quickstart.sh and scripts/install_nest_mpi.sh (sourced, not run).

# install_debian_packages PACKAGE...: apt-get install the given packages (none: nothing to do),
# with sudo unless already root.
install_debian_packages() {
    [ $# -gt 0 ] || return 0
    echo "== installing Debian packages: $*"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# make_venv PYTHON DIR: create the virtual environment DIR with PYTHON unless it exists.
make_venv() {
    if [ ! -x "$2/bin/python" ]; then
        echo "== creating the virtual environment $2"
        "$1" -m venv "$2"
    fi
}
