"""Where the native sources are: shipped inside the package, or beside it in a source checkout."""

from pathlib import Path


def native_dir(name):
    """The directory ``native/<name>`` (e.g. ``"genn"``, ``"nest_module"``)."""
    package = Path(__file__).resolve().parents[1]        # pynn_glif3/
    for candidate in (package / "native" / name, package.parent / "native" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"native sources 'native/{name}' are missing from the installation "
                            f"(looked in {package / 'native'} and {package.parent / 'native'})")
