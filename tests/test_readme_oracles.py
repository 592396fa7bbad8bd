"""The README's oracle example, run as written: the reference and the TF layer in float64 give the
same spikes on its random network."""

from pathlib import Path
import re

import pytest

pytest.importorskip("tensorflow")

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_oracle_example_runs_as_written(capsys):
    text = README.read_text()
    section = text[text.index("## The oracles"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert "reference.simulate" in code and "tf_layer.simulate" in code
    namespace = {}
    exec(compile(code, str(README), "exec"), namespace)      # its own assert compares the spikes
    assert namespace["result"].spikes.shape == (1000, 300)
    assert namespace["result"].spikes.sum() > 0
    assert "(1000, 300)" in capsys.readouterr().out
