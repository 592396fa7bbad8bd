"""Run the SpiNNaker C model headers without a board: ARM968 build, qemu-arm, same inputs as the reference.

``native/spinnaker/harness/glif3_harness.c`` steps the model headers of ``native/spinnaker/src`` in
the order sPyNNaker's standard neuron implementation calls them, with small stand-in headers for
the few sPyNNaker types it needs.  This module compiles it with Debian's ``arm-none-eabi-gcc``
(``-mcpu=arm968e-s --specs=rdimon.specs``, newlib's semihosting for file I/O), runs it with
``qemu-arm -cpu arm926``, feeds it a :class:`~pynn_glif3.verification.spinnaker_fixed_point.BoardNetwork`
(parameters packed as sPyNNaker would write them, ring-buffer values per step) and reads back
spikes and raw s16.15 traces.

Debian packages: ``gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-user``.  :func:`available`
tells whether they are there (and why not); nothing here is needed to import the package.
"""

from dataclasses import dataclass
import hashlib
import os
from pathlib import Path
import shutil
import subprocess
import tempfile

import numpy as np

from pynn_glif3.backends.native import cache_root
from pynn_glif3.model import N_RECEPTORS, TRAINING_MAX_DELAY_MS
from pynn_glif3.backends.spinnaker.build import source_dir
from pynn_glif3.model.timing import START_STEP
from pynn_glif3.backends.spinnaker import layout
from pynn_glif3.verification.spinnaker_fixed_point import FixedPointResult, from_raw, prepare
from pynn_glif3.backends.spinnaker.layout import (N_SYNAPSE_TYPES, NEURON_PARAMS_FIELDS,
                                                  SYNAPSE_PARAMS_FIELDS, THRESHOLD_PARAMS_FIELDS)

CC = "arm-none-eabi-gcc"
QEMU = "qemu-arm"
#: Flags of the ARM968 build (the SpiNNaker core); semihosting gives the program files and stdio.
CPU_FLAGS = ("-mcpu=arm968e-s", "--specs=rdimon.specs")
DEFAULT_FLAGS = ("-O2",)
WARNING_FLAGS = ("-std=gnu11", "-Wall", "-Wextra", "-Werror")
QEMU_CPU = "arm926"

MAGIC_INPUT, MAGIC_OUTPUT, FORMAT_VERSION, HEADER_WORDS = 0x33464C47, 0x4F464C47, 1, 16
RECORD_V, RECORD_ASC, RECORD_PSC = 1, 2, 4
INSTALL_HINT = ("install the ARM toolchain and emulator: "
                "apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-user")


class ToolchainMissing(RuntimeError):
    """The ARM cross compiler, newlib or qemu-arm is not available."""


def _sources():
    root = source_dir()
    files = sorted(p for sub in ("src", "harness") for p in (root / sub).rglob("*")
                   if p.is_file() and p.suffix in (".c", ".h"))
    return root, files


def _cache_dir():
    """Where compiled harness programs are kept (``PYNN_GLIF3_CACHE``, else the user cache)."""
    for candidate in (cache_root(), Path(tempfile.gettempdir()) / f"pynn_glif3_{os.getuid()}"):
        path = candidate / "spinnaker_harness"
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(path, os.W_OK):
            return path
    raise RuntimeError("no writable directory for the compiled harness; set PYNN_GLIF3_CACHE")


def available():
    """``(True, "")`` when the harness can be built and run here, else ``(False, reason)``."""
    missing = [tool for tool in (CC, QEMU) if shutil.which(tool) is None]
    if missing:
        return False, f"{' and '.join(missing)} not found; {INSTALL_HINT}"
    root, files = _sources()
    if not (root / "harness" / "glif3_harness.c").is_file():
        return False, f"the SpiNNaker C sources are not in {root} (not a source checkout?)"
    try:
        build()
    except ToolchainMissing as error:
        return False, str(error)
    return True, ""


def build(opt_flags=DEFAULT_FLAGS, extra_flags=(), program="glif3_harness"):
    """Compile a harness program for the ARM968 (cached by source and flag hash); returns the ELF.

    ``program`` is ``glif3_harness`` (the model stepper) or ``accum_probe`` (the arithmetic probe).
    """
    if shutil.which(CC) is None:
        raise ToolchainMissing(f"{CC} not found; {INSTALL_HINT}")
    root, files = _sources()
    flags = list(CPU_FLAGS) + list(opt_flags) + list(WARNING_FLAGS) + list(extra_flags) + [
        f"-I{root / 'harness' / 'include'}", f"-I{root / 'src'}"]
    digest = hashlib.sha256()
    for f in files:
        digest.update(str(f.relative_to(root)).encode())
        digest.update(f.read_bytes())
    digest.update(" ".join(flags + [program]).encode())
    version = subprocess.run([CC, "--version"], capture_output=True, text=True).stdout
    digest.update(version.encode())
    elf = _cache_dir() / f"{program}_{digest.hexdigest()[:16]}.elf"
    if elf.is_file():
        return elf
    tmp = elf.with_suffix(f".{os.getpid()}.tmp")
    cmd = [CC] + flags + [str(root / "harness" / f"{program}.c"), "-o", str(tmp)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        if "rdimon" in proc.stderr or "stdio.h" in proc.stderr:
            raise ToolchainMissing(f"newlib for {CC} seems missing ({proc.stderr.strip()[:300]}); "
                                   f"{INSTALL_HINT}")
        raise RuntimeError(f"building the SpiNNaker harness failed:\n{' '.join(cmd)}\n{proc.stderr}")
    os.replace(tmp, elf)
    return elf


def _run_qemu(elf, args, timeout=600):
    if shutil.which(QEMU) is None:
        raise ToolchainMissing(f"{QEMU} not found; {INSTALL_HINT}")
    proc = subprocess.run([QEMU, "-cpu", QEMU_CPU, str(elf)] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"the harness failed under qemu (exit {proc.returncode}): {proc.stderr.strip()}")
    return proc


# -------------------------------------------------------------------------------------------------
# Files

def write_input(net, path, record=RECORD_V | RECORD_ASC | RECORD_PSC, param_bytes=None):
    """Write a :class:`BoardNetwork` in the harness input format (one harness step per tick:
    the hold, then the training rows).

    ``param_bytes``: ``(neuron, threshold, synapse)`` parameter blocks to use instead of the ones
    packed from ``net`` (e.g. the bytes sPyNNaker's Structs generate).
    """
    n = net.n
    target, stype, delay, weight = net.recurrent.columns
    n_syn = target.size
    header = np.zeros(HEADER_WORDS, dtype="<u4")
    header[:9] = [MAGIC_INPUT, FORMAT_VERSION, n, net.n_ticks, net.n_slots, N_SYNAPSE_TYPES,
                  record, n_syn, 1]
    nr, tr, sr = net.raw
    with open(path, "wb") as f:
        f.write(header.tobytes())
        f.write(np.asarray(net.shifts, dtype="<u4").tobytes())
        if param_bytes is None:
            param_bytes = (layout.pack(nr, NEURON_PARAMS_FIELDS, n), layout.pack(tr, THRESHOLD_PARAMS_FIELDS, n),
                           layout.pack(sr, SYNAPSE_PARAMS_FIELDS, n))
        for block, fields in zip(param_bytes, (NEURON_PARAMS_FIELDS, THRESHOLD_PARAMS_FIELDS,
                                               SYNAPSE_PARAMS_FIELDS)):
            if len(block) != n * layout.numpy_dtype(fields).itemsize:
                raise ValueError("a parameter block has the wrong size")
            f.write(bytes(block))
        f.write(np.asarray(net.recurrent.start, dtype="<u4").tobytes())
        f.write(np.stack([target, stype, delay, weight], axis=1).astype("<u4").tobytes())
        for tick in range(net.n_ticks):
            ext = net.external_at(tick)
            if ext.size and ext.max() >= 2 ** 32:
                raise ValueError("an external ring-buffer value does not fit 32 bits")
            f.write(ext.astype("<u4").tobytes())


def read_output(path, n, n_steps, record):
    """Parse a harness output file: spikes and raw traces, final state, saturation count."""
    data = Path(path).read_bytes()
    header = np.frombuffer(data, dtype="<u4", count=HEADER_WORDS)
    if header[0] != MAGIC_OUTPUT or header[1] != FORMAT_VERSION:
        raise RuntimeError("not a harness output file of this version")
    if (header[2], header[3], header[4]) != (n, n_steps, record):
        raise RuntimeError(f"harness output is for another problem: {header[:5]}")
    sizes = dict(zip(("neuron_params_t", "threshold_type_params_t", "synapse_types_params_t",
                      "neuron_t", "threshold_type_t", "synapse_types_t"), (int(x) for x in header[5:11])))
    spike_bytes = (n + 3) & ~3
    step_fields = [("spikes", "u1", (spike_bytes,))]
    if record & RECORD_V:
        step_fields.append(("v", "<i4", (n,)))
    if record & RECORD_ASC:
        step_fields.append(("asc", "<i4", (n, 2)))
    if record & RECORD_PSC:
        step_fields.append(("psc", "<i4", (n, N_RECEPTORS)))
    step_dtype = np.dtype(step_fields)
    offset = HEADER_WORDS * 4
    steps = np.frombuffer(data, dtype=step_dtype, count=n_steps, offset=offset)
    offset += n_steps * step_dtype.itemsize
    np_bytes = n * sizes["neuron_params_t"]
    final_neuron = layout.unpack(data[offset:offset + np_bytes], NEURON_PARAMS_FIELDS, n)
    offset += np_bytes
    sp_bytes = n * sizes["synapse_types_params_t"]
    final_synapse = layout.unpack(data[offset:offset + sp_bytes], SYNAPSE_PARAMS_FIELDS, n)
    offset += sp_bytes
    saturations = int(np.frombuffer(data, dtype="<u4", count=1, offset=offset)[0])
    if offset + 4 != len(data):
        raise RuntimeError("harness output has an unexpected length")
    out = {"spikes": steps["spikes"][:, :n].astype(bool), "sizes": sizes,
           "final_neuron": final_neuron, "final_synapse": final_synapse, "saturations": saturations}
    for name in ("v", "asc", "psc"):
        if name in step_dtype.names:
            out[name] = steps[name].astype(np.int64)
    return out


# -------------------------------------------------------------------------------------------------
# Running

@dataclass
class HarnessResult(FixedPointResult):
    """What the C under qemu produced; same fields as the fixed-point model's result."""
    saturation_events: int = 0   # saturating ring-buffer additions counted by the C
    final_neuron: dict = None    # neuron_params_t written back by neuron_model_save_state
    final_synapse: dict = None


def run(net, record_currents=True, elf=None, workdir=None, param_bytes=None, include_hold=False):
    """Run a :class:`~pynn_glif3.verification.spinnaker_fixed_point.BoardNetwork` in the C harness under qemu.

    ``param_bytes`` as for :func:`write_input`.  Rows are training rows; with ``include_hold``,
    ticks from 0 (as :func:`pynn_glif3.verification.spinnaker_fixed_point.run`).
    """
    elf = elf or build()
    record = RECORD_V | RECORD_ASC | RECORD_PSC
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        inp, out = Path(tmp) / "input.bin", Path(tmp) / "output.bin"
        write_input(net, inp, record, param_bytes)
        _run_qemu(elf, [inp, out])
        parsed = read_output(out, net.n, net.n_ticks, record)
    rows = 0 if include_hold else net.first_tick
    spikes, v, asc, psc = (parsed[k][rows:] for k in ("spikes", "v", "asc", "psc"))
    return HarnessResult(
        spikes=spikes, v=from_raw(v), asc=from_raw(asc) if record_currents else None,
        psc=from_raw(psc) if record_currents else None, dt=net.dt,
        v_raw=v, asc_raw=asc, psc_raw=psc, network=net, first_row_tick=rows,
        saturation_events=parsed["saturations"], final_neuron=parsed["final_neuron"],
        final_synapse=parsed["final_synapse"])


def simulate(neurons, n_steps, dt=1.0, recurrent=None, inputs=None, input_spikes=None,
             bkg_weights=None, bkg_counts=None, max_delay_ms=TRAINING_MAX_DELAY_MS,
             record_currents=False, ring_buffer_shifts=None, max_summed_weights=None,
             route_negative_to_excitatory=False, elf=None, start_step=START_STEP):
    """:func:`pynn_glif3.oracles.reference.simulate`'s interface, computed by the C model under qemu-arm
    (the ticks of the hold are run and left out of the result)."""
    net = prepare(neurons, n_steps, dt, recurrent, inputs, input_spikes, bkg_weights, bkg_counts,
                  max_delay_ms, ring_buffer_shifts, max_summed_weights, route_negative_to_excitatory,
                  start_step)
    return run(net, record_currents, elf)


def probe_arithmetic(a, b, opt_flags=DEFAULT_FLAGS, extra_flags=()):
    """Raw results of ``a * b``, ``a + b``, ``a - b`` (accum) and ``glif3_scale(a, b as u0.32)``
    computed by the compiled C under qemu, for int32 arrays of raw values; shape (len(a), 4)."""
    elf = build(opt_flags, extra_flags, program="accum_probe")
    pairs = np.stack([np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)], axis=1)
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "pairs.bin", Path(tmp) / "results.bin"
        inp.write_bytes((pairs & 0xFFFFFFFF).astype("<u4").tobytes())
        _run_qemu(elf, [inp, out])
        return np.frombuffer(out.read_bytes(), dtype="<i4").reshape(-1, 4).astype(np.int64)


def c_layout(elf=None):
    """The struct layouts of the compiled C: ``{(struct, field): (offset, size, data type)}``,
    struct sizes and constants."""
    elf = elf or build()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "layout.txt"
        _run_qemu(elf, ["--layout", path])
        lines = path.read_text().split("\n")
    fields, sizes, constants = {}, {}, {}
    for line in filter(None, lines):
        a, b, *rest = line.split()
        if a == "sizeof":
            sizes[b] = int(rest[0])
        elif a == "constant":
            constants[b] = int(rest[0])
        else:
            fields[(a, b)] = (int(rest[0]), int(rest[1]), rest[2])
    return fields, sizes, constants


def c_read_params(net, elf=None, param_bytes=None):
    """The parameter fields of ``net`` as the C reads them from the packed bytes (raw values):
    ``{"neuron" | "threshold" | "synapse": {C field: {neuron index: raw uint32}}}``."""
    elf = elf or build()
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "input.bin", Path(tmp) / "params.txt"
        write_input(net, inp, 0, param_bytes)
        _run_qemu(elf, ["--params", inp, out])
        lines = out.read_text().split("\n")
    table = {}
    for line in filter(None, lines):
        index, struct, name, value = line.split()
        table.setdefault(struct, {}).setdefault(name, {})[int(index)] = int(value)
    return table
