"""The package's layers (docs/architecture.md), checked by parsing every import of every module.

Data flows one way: files -> model description -> network on a simulator -> results -> analysis.
A module may import only from its own layer and the layers below it; the model description, the
oracles and the readers import no simulator and no backend; the builder and the jobs never name a
simulator (they ask the backend object).
"""

import ast
from pathlib import Path
import re
import sys

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pynn_glif3"

#: Layer -> the layers of the package it may import (besides itself).
ALLOWED = {
    "model": set(),
    "oracles": {"model"},
    "io": {"model"},
    "analysis": {"model"},
    "backends": {"model"},
    "generate": {"model", "io"},
    "bundled": set(),
    "builder": {"model", "io", "backends"},
    "verification": {"model", "oracles", "backends", "builder", "io"},
    "jobs": {"model", "oracles", "io", "analysis", "backends", "generate", "bundled", "builder",
             "verification", "jobs"},
}
#: Third-party packages a layer may import (the standard library is always allowed) ...
THIRD_PARTY = {
    "model": {"numpy"},
    "oracles": {"numpy", "tensorflow", "keras"},
    "io": {"numpy", "h5py"},
    "generate": {"numpy"},
    "analysis": {"numpy"},
}
#: ... and those it may import inside a function, only when a feature needs them: TF's own reader
#: of the training code's checkpoints, scipy for .mat noise pools, scikit-learn's digits,
#: neo and matplotlib for results and figures.
LAZY_THIRD_PARTY = {
    "model": {"scipy"},
    "io": {"tensorflow"},
    "generate": {"sklearn"},
    "analysis": {"matplotlib", "neo", "quantities"},
}
SIMULATOR_PACKAGES = {"nest", "pyNN", "spynnaker", "spinn_utilities", "spinn_front_end_common",
                      "pygenn", "brian2", "neuron"}
#: Words that name a simulator; the builder and the jobs must not contain them as code or strings
#: (NEURON in capitals: the word neuron is everywhere).
SIMULATOR_WORDS = {"nest", "genn", "spinnaker", "spynnaker", "brian2"}
SIMULATOR_WORDS_EXACT = {"NEURON"}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def _imports(name, path):
    """(absolute name, inside a function?) of everything ``path`` imports."""
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    lazy = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lazy |= {id(n) for n in ast.walk(node)}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, id(node) in lazy) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            out.append((module, id(node) in lazy))
            out += [(f"{module}.{alias.name}", id(node) in lazy) for alias in node.names]
    return out


def _layer(name):
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ALLOWED else None


MODULES = list(_modules())


def test_every_module_is_in_a_layer_or_a_top_level_shell():
    top = {"pynn_glif3", "pynn_glif3.__main__", "pynn_glif3.cli", "pynn_glif3.genn"}
    loose = [name for name, _ in MODULES if _layer(name) is None and name not in top]
    assert not loose, f"modules outside the layers of docs/architecture.md: {loose}"


@pytest.mark.parametrize("name, path", MODULES, ids=[name for name, _ in MODULES])
def test_imports_point_down(name, path):
    layer = _layer(name)
    if layer is None:
        return                            # the package's top: the command line and the sim module
    bad = []
    for imported, lazy in _imports(name, path):
        top = imported.split(".")[0]
        if top == "pynn_glif3":
            target = _layer(imported)
            if target is None and imported not in ("pynn_glif3", "pynn_glif3.__version__"):
                bad.append(f"{imported} (the package's top)")
            elif target is not None and target != layer and target not in ALLOWED[layer]:
                bad.append(f"{imported} ({target})")
        elif layer in THIRD_PARTY and top not in sys.stdlib_module_names \
                and top not in THIRD_PARTY[layer] \
                and not (lazy and top in LAZY_THIRD_PARTY.get(layer, ())):
            bad.append(f"{imported} (third-party{', in a function' if lazy else ''})")
        elif layer in ("model", "oracles", "io", "generate", "analysis", "builder") \
                and top in SIMULATOR_PACKAGES - ({"pyNN"} if layer == "builder" else set()):
            bad.append(f"{imported} (a simulator)")
    assert not bad, f"{name} ({layer}) imports {', '.join(bad)}"


def test_nothing_but_jobs_imports_the_verification_tools():
    users = [name for name, path in MODULES
             if _layer(name) not in ("verification", "jobs")
             and any(_layer(i) == "verification" for i, _ in _imports(name, path))]
    assert not users


def _code_words(path):
    """Identifiers and string constants of a module, docstrings excluded, cut into words."""
    tree = ast.parse(path.read_text())
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            text = node.value
        elif isinstance(node, ast.Name):
            text = node.id
        elif isinstance(node, ast.Attribute):
            text = node.attr
        else:
            continue
        yield from re.findall(r"[A-Za-z][A-Za-z0-9]*", text)


@pytest.mark.parametrize("name, path", [(n, p) for n, p in MODULES if _layer(n) in ("builder", "jobs")],
                         ids=[n for n, _ in MODULES if _layer(n) in ("builder", "jobs")])
def test_builder_and_jobs_name_no_simulator(name, path):
    """They ask the backend object; a simulator's name in their code would mean a branch on it."""
    found = sorted({word for word in _code_words(path)
                    if word.lower() in SIMULATOR_WORDS or word in SIMULATOR_WORDS_EXACT})
    assert not found, f"{name} names a simulator: {found}"
