"""The users' stimulus HDF5: lazy per-sample reading, seeded spikes, writer, corruptions."""

import h5py
import numpy as np
import pytest

from pynn_glif3.generate import synthetic
from pynn_glif3.io import detect_format
from pynn_glif3.io.stimulus_h5 import Stimulus, draw_spikes, open_stimulus, write_stimulus
from io_helpers import copy_with, dataset, raises_naming, truncate_bytes

N_LGN = 300


@pytest.fixture(scope="module")
def stim_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("stim") / "mnist_like.h5"
    return synthetic.write_synthetic_stimulus(p, n_samples=6, n_classes=3, n_lgn=N_LGN, seed=2)


def test_layout_and_attributes(stim_file):
    with h5py.File(stim_file) as f:
        assert f["spike_trains"].shape == (6, 600, N_LGN)
        assert f["spike_trains"].dtype == np.float32
        assert f["spike_trains"].compression == "gzip"
        assert f["labels"].dtype == np.int32
        assert f["time_windows"].shape == (12, 2)
        assert f["time_windows"][()].tolist()[3] == [150, 200]
        assert f["response_window"][()].tolist() == [50, 100]
        assert {k: int(f.attrs[k]) for k in ("n_samples", "n_lgn", "seq_len", "pre_delay", "im_slice",
                                              "post_delay")} == dict(n_samples=6, n_lgn=N_LGN, seq_len=600,
                                                                     pre_delay=50, im_slice=100, post_delay=450)
    assert detect_format(stim_file) == "stimulus"


def test_lazy_reading_and_values(stim_file):
    with open_stimulus(stim_file) as s:
        assert len(s) == 6 and s.seq_len == 600 and s.n_lgn == N_LGN
        assert sorted(set(s.labels.tolist())) == [0, 1, 2]
        assert s.response_window.tolist() == [50, 100]
        v = s.values(4)
        assert v.shape == (600, N_LGN) and v.dtype == np.float32
        assert np.array_equal(v, dataset(stim_file, "spike_trains")[4])
        # probability x 1.3 with max ~0.14, image in [50, 150)
        assert 0.12 < v.max() <= 0.14
        assert v[50:150].mean() > 3 * v[:50].mean()
        assert np.allclose(s.probabilities(4), v.astype(float) / 1.3)
        # the synthetic generator's own sample function gives the same values
        label = s.label(4)
        assert np.array_equal(v, synthetic.synthetic_stimulus_sample(label, 4, 3, N_LGN, 2))


def test_spikes_are_seeded_bernoulli_of_value_over_1_3(stim_file):
    with Stimulus(stim_file) as s:
        a = s.spikes(1, seed=7)
        b = s.spikes(1, seed=7)
        c = s.spikes(1, seed=8)
        d = s.spikes(1, seed=7, trial=1)
        p = s.probabilities(1)
    assert a.dtype == bool and a.shape == (600, N_LGN)
    assert np.array_equal(a, b) and not np.array_equal(a, c) and not np.array_equal(a, d)
    # documented generator
    u = np.random.default_rng([7, 1, 0]).random((600, N_LGN))
    assert np.array_equal(a, u < dataset(stim_file, "spike_trains")[1].astype(np.float64) / 1.3)
    # rate matches the probabilities
    assert abs(a.mean() - p.mean()) < 4 * np.sqrt(p.mean() / a.size) + 1e-4
    assert np.array_equal(draw_spikes(np.full((2, 2), 1.3), 0), np.ones((2, 2), bool))
    with pytest.raises(ValueError):
        draw_spikes(np.zeros(3), -1)


def test_writer_round_trip_from_array(tmp_path):
    rng = np.random.default_rng(0)
    vals = (rng.random((2, 600, 5)) * 0.13).astype(np.float32)
    p = tmp_path / "s.h5"
    write_stimulus(p, vals, [1, 0], response_window=(60, 110))
    with open_stimulus(p) as s:
        assert np.array_equal(s.values(0), vals[0]) and np.array_equal(s.values(1), vals[1])
        assert s.labels.tolist() == [1, 0] and s.response_window.tolist() == [60, 110]


def test_closed_and_out_of_range(stim_file):
    s = open_stimulus(stim_file)
    with pytest.raises(IndexError):
        s.values(6)
    s.close()
    with pytest.raises(ValueError, match="closed"):
        s.values(0)


def _mods(path):
    st = dataset(path, "spike_trains")
    nan = st.copy()
    nan[2, 70, 5] = np.nan
    neg = st.copy()
    neg[0, 3, 1] = -0.1
    big = st.copy()
    big[1, 100, 2] = 2.0
    return [
        (dict(delete=["spike_trains"]), ["spike_trains", "missing"], None),
        (dict(delete=["labels"]), ["labels", "missing"], None),
        (dict(set={"spike_trains": st[:, :, 0]}), ["spike_trains", "shape"], None),
        (dict(set={"spike_trains": st[:5]}), ["spike_trains", "n_samples"], None),
        (dict(set={"labels": np.zeros(5, np.int32)}), ["labels", "shape"], None),
        (dict(set={"labels": np.array([0, 1, -2, 0, 1, 2], np.int32)}), ["labels", "entry 2 is -2", ">= 0"], None),
        (dict(set={"labels": np.zeros(6, np.float32)}), ["labels", "integers"], None),
        (dict(set={"response_window": np.array([100, 50], np.int32)}), ["response_window", "start < stop"], None),
        (dict(set={"response_window": np.array([50, 700], np.int32)}), ["response_window", "seq_len"], None),
        (dict(set={"response_window": np.array([50, 100, 150], np.int32)}), ["response_window", "(2,)"], None),
        (dict(set={"time_windows": np.zeros((12, 3), np.int32)}), ["time_windows", "(k, 2)"], None),
        (dict(attrs={"n_lgn": N_LGN + 1}), ["spike_trains", "n_lgn"], None),
        (dict(attrs={"post_delay": 400}), ["pre_delay + im_slice + post_delay"], None),
        (dict(set={"spike_trains": nan}), ["spike_trains", "sample 2", "step 70", "unit 5"], 2),
        (dict(set={"spike_trains": neg}), ["spike_trains", "sample 0"], 0),
        (dict(set={"spike_trains": big}), ["spike_trains", "[0, 1.3]"], 1),
    ]


@pytest.mark.parametrize("case", range(16))
def test_corrupted_stimulus_rejected_naming_the_dataset(tmp_path, stim_file, case):
    mod, fragments, sample = _mods(stim_file)[case]
    p = copy_with(stim_file, tmp_path / "bad.h5", **mod)
    if sample is None:
        raises_naming(lambda: open_stimulus(p), str(p), *fragments)
    else:
        with open_stimulus(p) as s:           # opening is lazy: the bad values show on reading
            raises_naming(lambda: s.values(sample), str(p), *fragments)
            raises_naming(lambda: s.spikes(sample, 0), "spike_trains")


def test_truncated_stimulus_file(tmp_path, stim_file):
    cut = truncate_bytes(stim_file, tmp_path / "cut.h5", 0.5)

    def read_all():
        with open_stimulus(cut) as s:
            for i in range(len(s)):
                s.values(i)
    raises_naming(read_all, str(cut))


def test_optional_response_window(tmp_path, stim_file):
    p = copy_with(stim_file, tmp_path / "norw.h5", delete=["response_window", "time_windows"])
    with open_stimulus(p) as s:
        assert s.response_window is None and s.time_windows is None
        assert any("response_window" in n for n in s.notes)
