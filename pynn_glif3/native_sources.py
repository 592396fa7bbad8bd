"""Where the native sources are: shipped inside the package, or beside it in a source checkout."""

from pathlib import Path


def native_dir(name):
    """The directory ``native/<name>`` (e.g. ``"genn"``, ``"nest_module"``)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "native" / name, here.parent / "native" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"native sources 'native/{name}' are missing from the installation "
                            f"(looked in {here / 'native'} and {here.parent / 'native'})")
