"""Where the native sources are (shipped inside the package, or beside it in a source checkout),
and where their builds are cached."""

import contextlib
import os
from pathlib import Path


def native_dir(name):
    """The directory ``native/<name>`` (e.g. ``"genn"``, ``"nest_module"``)."""
    package = Path(__file__).resolve().parents[1]        # pynn_glif3/
    for candidate in (package / "native" / name, package.parent / "native" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"native sources 'native/{name}' are missing from the installation "
                            f"(looked in {package / 'native'} and {package.parent / 'native'})")


def cache_root():
    """The directory of compiled models: ``$PYNN_GLIF3_CACHE``, else ``$XDG_CACHE_HOME/pynn_glif3``
    (default ``~/.cache/pynn_glif3``)."""
    if os.environ.get("PYNN_GLIF3_CACHE"):
        return Path(os.environ["PYNN_GLIF3_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "pynn_glif3"


@contextlib.contextmanager
def build_lock(path):
    """Hold an exclusive lock on the file ``path`` (made if missing): one build of a model at a
    time, across processes sharing the cache."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        try:
            import fcntl
            fcntl.flock(handle, fcntl.LOCK_EX)
        except ImportError:  # not POSIX: no concurrent builds expected
            pass
        yield
