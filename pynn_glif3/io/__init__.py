"""Readers and writers of the files users have, and of the package's own network format.

None of these modules imports a simulator, and none imports TensorFlow at import time (the
checkpoint reader imports it when called).  Every problem with a file raises :class:`FormatError`
(a ValueError) naming the file, the dataset and what was expected.

=========================  ======================================================================
module                     reads / writes
=========================  ======================================================================
``users_h5``               the users' trained-network HDF5 (``ckpt_51978-153.h5``); reader, writer
``stimulus_h5``            the users' stimulus HDF5 (``mnist24.h5``); lazy reader, spikes, writer
``training_pickles``       the training code's ``network_dat.pkl`` / ``input_dat.pkl`` and checkpoint
``sonata``                 the Allen SONATA release of the Billeh model
``native_h5``              the package's own format (lossless), reader and writer
=========================  ======================================================================

:func:`read_network` picks the reader from the file's content; given the training code's
``network_dat.pkl`` it reads the pickles of that directory
(:func:`training_pickles.read_training_dir`).  The formats are described in ``docs/formats.md``.
"""

import os

from ._common import FormatError

__all__ = ["FormatError", "read_network", "detect_format"]


def detect_format(path):
    """'native', 'users' (trained-network HDF5), 'stimulus', 'sonata' (a directory) or
    'training-pickles' (a pickle: the training code's ``network_dat.pkl``)."""
    path = os.fspath(path)
    if os.path.isfile(path) and _is_pickle(path):
        return "training-pickles"
    if os.path.isdir(path):
        from .sonata import find_network_dir
        find_network_dir(path)
        return "sonata"
    from ._common import has, open_h5
    from . import native_h5
    with open_h5(path) as f:
        if f.attrs.get("format") in (native_h5.FORMAT, native_h5.FORMAT.encode()):
            return "native"
        if has(f, "recurrent") or has(f, "neurons"):
            return "users"
        if has(f, "spike_trains"):
            return "stimulus"
    raise FormatError(f"{path}: not a network file this package knows: expected the package's own "
                      f"format (attribute format={native_h5.FORMAT!r}), a users' trained-network file "
                      f"(groups neurons/, recurrent/, input/) or a SONATA network directory")


def _is_pickle(path):
    # protocol 2 and later pickles start with the PROTO opcode
    with open(path, "rb") as f:
        return path.endswith(".pkl") or f.read(1) == b"\x80"


def read_network(path, delays="training", **kwargs):
    """Read a network from the package's own format, a users' trained-network HDF5 file, a
    SONATA directory or the training code's ``network_dat.pkl``, whichever ``path`` is.  Returns a
    V1Network.

    ``delays`` is the training pickles' delay assignment (``"training"``: the delays the training
    code ran, ``"edge"``: each synapse its own edge's; see
    :func:`training_pickles.load_training_network`).  The other formats hold one delay per synapse
    and use it as it is: ``"edge"`` is refused for them rather than silently meaning nothing.
    """
    kind = detect_format(path)
    if kind == "training-pickles":
        from .training_pickles import read_training_dir
        return read_training_dir(path, delays=delays, **kwargs)
    if delays != "training":
        raise FormatError(f"{os.fspath(path)}: delays {delays!r} applies to the training code's pickles "
                          f"(network_dat.pkl), whose loader runs synapses with other edges' delays; "
                          f"a {kind} network holds one delay per synapse and uses it as it is: "
                          f"use delays 'training' (pynn-glif3 run --delays training)")
    if kind == "native":
        from .native_h5 import read_native
        return read_native(path, **kwargs)
    if kind == "users":
        from .users_h5 import read_users_h5
        return read_users_h5(path, **kwargs)
    if kind == "sonata":
        from .sonata import read_sonata
        return read_sonata(path, **kwargs)
    raise FormatError(f"{os.fspath(path)}: is a stimulus file, not a network")
