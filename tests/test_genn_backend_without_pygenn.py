"""Without PyGeNN, the GeNN backend still imports, and setup() says at once how to install GeNN.

Runs whether or not PyGeNN is installed: a child interpreter hides it (``sys.modules["pygenn"] =
None`` makes every import of it fail).
"""

import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import sys
    sys.modules["pygenn"] = None                 # as if PyGeNN were not installed
    import pynn_glif3.backends.genn.snippets as snippets, pynn_glif3.verification.genn_harness   # GeNN-free parts
    import pynn_glif3.genn as sim
    assert callable(sim.setup) and sim.FromListConnector is not None
    try:
        sim.setup(timestep=1.0)
    except ImportError as err:
        print("MESSAGE:", err)
    else:
        print("NO ERROR")
    print("PYGENN_IMPORTED:", isinstance(sys.modules.get("pygenn"), type(sys)))
""")


def test_setup_fails_at_once_with_install_instructions_without_pygenn():
    pytest.importorskip("pyNN")             # the PyNN API needs PyNN; only GeNN is hidden
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "NO ERROR" not in out.stdout
    message = out.stdout.split("MESSAGE:", 1)[1]
    assert "GeNN 5" in message
    assert "github.com/genn-team/genn" in message
    assert "pip install" in message and "docs/genn.md" in message
    assert "PYGENN_IMPORTED: False" in out.stdout


def test_snippets_import_without_pyNN_or_pygenn():
    script = textwrap.dedent("""
        import sys
        sys.modules["pygenn"] = None
        sys.modules["pyNN"] = None
        from pynn_glif3.verification import genn_harness as harness
        from pynn_glif3.backends.genn import snippets
        assert snippets.load().PSM_SIM_CODE
        print("OK")
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "OK" in out.stdout
