"""Shared pieces of the readers: the error type and careful HDF5 access.

Every problem with a file is reported as :class:`FormatError` naming the file, the dataset and
what was expected, never as a bare KeyError / IndexError / OSError from h5py or numpy.
"""

import os

import numpy as np

from ..model import validate_physical


class FormatError(ValueError):
    """A file does not have the expected layout or content.  The message names the file, the
    dataset (or attribute) and what was expected."""


def guard(what_arg=0):
    """Decorator of public readers: errors that escaped the specific checks (h5py raises OSError,
    KeyError, RuntimeError, ValueError or TypeError on damaged files, UnicodeDecodeError on damaged
    names) become FormatError naming the file; the original error is chained."""
    import functools

    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except FormatError:
                raise
            except (OSError, KeyError, RuntimeError, UnicodeDecodeError, ValueError, TypeError) as e:
                target = args[what_arg] if len(args) > what_arg else "file"
                target = os.fspath(getattr(target, "path", target))
                damaged = isinstance(e, (OSError, KeyError, RuntimeError, UnicodeDecodeError))
                raise FormatError(f"{target}: cannot be read ({type(e).__name__}: {e})"
                                  + ("; the file is damaged or truncated" if damaged else "")) from e
        return inner
    return wrap


def text(value):
    """A string as a fixed-length byte string for HDF5 attributes and datasets.  Fixed length keeps
    text out of HDF5's global heap, whose damage can make the library loop instead of failing."""
    return np.bytes_(str(value).encode("utf-8"))


def texts(values):
    """A list of strings as a fixed-length byte-string array (see :func:`text`)."""
    enc = [str(v).encode("utf-8") for v in values]
    return np.array(enc, dtype=f"S{max([1] + [len(e) for e in enc])}")


def decode(value):
    """Bytes or str (either storage) to str."""
    return value.decode("utf-8") if isinstance(value, (bytes, np.bytes_)) else str(value)


def where(path, name=None):
    """``file:dataset`` as used in messages."""
    path = os.fspath(path)
    return path if not name else f"{path}:{name}"


def open_h5(path, mode="r"):
    """Open an HDF5 file; missing, unreadable and non-HDF5 files raise FormatError."""
    import h5py
    path = os.fspath(path)
    if mode == "r" and not os.path.exists(path):
        raise FormatError(f"{path}: no such file")
    try:
        return h5py.File(path, mode)
    except OSError as e:
        raise FormatError(f"{path}: cannot be opened as HDF5 ({e}); the file is damaged, "
                          f"truncated or not HDF5") from None


def has(f, name):
    try:
        return name in f
    except Exception:   # noqa: BLE001 - a damaged group can fail on lookup
        return False


def dataset(f, name, path, required=True):
    """The h5py dataset ``name`` of ``f``, or None if absent and not required."""
    import h5py
    if not has(f, name):
        if required:
            raise FormatError(f"{where(path, name)}: missing dataset (required)")
        return None
    try:
        obj = f[name]
    except (KeyError, OSError, RuntimeError) as e:
        raise FormatError(f"{where(path, name)}: cannot be opened ({e}); the file is damaged") from None
    if not isinstance(obj, h5py.Dataset):
        raise FormatError(f"{where(path, name)}: expected a dataset, found a group")
    return obj


def read(f, name, path, ndim=None, shape=None, kind=None, required=True, finite=False, dtype=None):
    """Read dataset ``name`` fully and check it.

    ``shape`` may contain None for free dimensions; ``kind`` is 'i' (integer), 'f' (float) or
    'b' (bool; integers 0/1 accepted too).  ``finite`` rejects NaN and inf.  Returns a numpy array
    (converted to ``dtype`` if given) or None if absent and not required.
    """
    ds = dataset(f, name, path, required)
    if ds is None:
        return None
    w = where(path, name)
    if ndim is not None and ds.ndim != ndim:
        raise FormatError(f"{w}: has {ds.ndim} dimensions (shape {ds.shape}), expected {ndim}"
                          + (f" (shape {_shape_text(shape)})" if shape is not None else ""))
    if shape is not None:
        if len(shape) != ds.ndim or any(s is not None and s != d for s, d in zip(shape, ds.shape)):
            raise FormatError(f"{w}: has shape {ds.shape}, expected {_shape_text(shape)}")
    check_kind(ds.dtype, kind, w)
    try:
        arr = ds[()]
    except (OSError, RuntimeError, ValueError, KeyError) as e:
        raise FormatError(f"{w}: cannot be read ({e}); the file is damaged or truncated") from None
    arr = np.asarray(arr)
    if finite and arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        bad = int(np.flatnonzero(~np.isfinite(arr.ravel()))[0])
        raise FormatError(f"{w}: entry {_index(arr, bad)} is {num(arr.ravel()[bad])}; expected finite "
                          f"numbers")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    return arr


def check_kind(dtype, kind, w):
    if kind is None:
        return
    k = np.dtype(dtype).kind
    ok = {"i": k in "iu", "f": k in "fiu", "b": k in "biu"}[kind]
    if not ok:
        expected = {"i": "integers", "f": "numbers", "b": "booleans"}[kind]
        raise FormatError(f"{w}: has dtype {np.dtype(dtype)}, expected {expected}")


def num(x):
    """A number for messages: ``nan``, ``inf``, ``-0.1`` (no numpy type names)."""
    try:
        return repr(float(x))
    except (TypeError, ValueError):
        return repr(x)


def _index(arr, flat):
    if arr.ndim <= 1:
        return str(flat)
    return str(tuple(int(i) for i in np.unravel_index(flat, arr.shape)))


def _shape_text(shape):
    return "(" + ", ".join("any" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def check_range(arr, low, high, w, what):
    """Integer entries must be in [low, high); else FormatError naming ``w``."""
    if arr.size == 0:
        return
    lo, hi = arr.min(), arr.max()
    if lo < low or hi >= high:
        bad = int(np.flatnonzero((arr < low) | (arr >= high))[0])
        raise FormatError(f"{w}: {what} out of range: entry {bad} is {arr.ravel()[bad]}, entries span "
                          f"{lo}..{hi}; expected {low}..{high - 1}")


def check_length(arrays, w_names, expected=None):
    """All arrays must have the same length (or ``expected``); names the odd one out."""
    lengths = [len(a) for a in arrays]
    ref = lengths[0] if expected is None else expected
    for a, n, w in zip(arrays, lengths, w_names):
        if n != ref:
            raise FormatError(f"{w}: has {n} entries, expected {ref} (as {w_names[0]}); "
                              f"the dataset is truncated or belongs to another network")


def physical(params, w_prefix):
    """Run model.validate_physical on each array separately, naming its dataset; then V_th > E_L."""
    for name, arr in params.items():
        try:
            validate_physical({name: arr}, source=f"{w_prefix}/{name}")
        except ValueError as e:
            raise FormatError(str(e)) from None
    if "V_th" in params and "E_L" in params:
        try:
            validate_physical({"V_th": params["V_th"], "E_L": params["E_L"]},
                              source=f"{w_prefix}/V_th and {w_prefix}/E_L")
        except ValueError as e:
            raise FormatError(str(e)) from None


def attr(f, name, path, kind=None, required=False, obj_name="/"):
    """Attribute ``name`` of ``f`` (a file or an HDF5 object), checked to be a scalar of ``kind``."""
    try:
        present = name in f.attrs
    except Exception:  # noqa: BLE001
        present = False
    w = f"{path}: attribute {name!r} of {obj_name}"
    if not present:
        if required:
            raise FormatError(f"{w}: missing (required)")
        return None
    value = np.asarray(f.attrs[name])
    if value.size != 1:
        raise FormatError(f"{w}: has shape {value.shape}, expected a scalar")
    check_kind(value.dtype, kind, w)
    return value.reshape(()).item()
