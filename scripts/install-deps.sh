#!/usr/bin/env bash
# Installs the system libraries solve-mfg links against (Debian/Ubuntu), or says exactly what to install.
# FFTW3 (spectral references, nonlocal couplings), LAPACKE + CBLAS (banded solves), OpenBLAS (fast BLAS),
# cairo (PNG pictures), HDF5 (Minari datasets).
set -euo pipefail

packages=(libfftw3-dev liblapacke-dev libopenblas-dev libcairo2-dev libhdf5-dev pkg-config)

have_all() {
    command -v pkg-config >/dev/null 2>&1 || return 1
    pkg-config --exists fftw3 lapacke cairo hdf5 || return 1
    [ -e /usr/include/x86_64-linux-gnu/cblas.h ] || [ -e /usr/include/cblas.h ] \
        || [ -e /usr/include/aarch64-linux-gnu/cblas.h ] || return 1
    dpkg -s libopenblas-dev >/dev/null 2>&1 || return 1
    ls /usr/lib/*/libfftw3_threads.so >/dev/null 2>&1 || return 1
}

if have_all; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "solve-mfg needs FFTW3, LAPACKE with CBLAS, and OpenBLAS development files." >&2
    echo "This is not a Debian-like system: install the equivalents of: ${packages[*]}" >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    run=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    run=(sudo)
else
    echo "solve-mfg needs system libraries that are not installed. Run as root:" >&2
    echo "    apt-get update && apt-get install -y ${packages[*]}" >&2
    exit 1
fi

echo "installing system libraries: ${packages[*]}" >&2
"${run[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${run[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null
have_all || { echo "installation finished but the libraries are still not found" >&2; exit 1; }
