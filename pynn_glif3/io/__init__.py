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

:func:`read_network` picks the reader from the file's content.  The formats are described in
``docs/formats.md``.
"""

import os

from ._common import FormatError

__all__ = ["FormatError", "read_network", "detect_format"]


def detect_format(path):
    """'native', 'users' (trained-network HDF5), 'stimulus' or 'sonata' (a directory)."""
    path = os.fspath(path)
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


def read_network(path, **kwargs):
    """Read a network from the package's own format, a users' trained-network HDF5 file or a
    SONATA directory, whichever ``path`` is.  Returns a V1Network."""
    kind = detect_format(path)
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
