"""The digits task's encoding into LGN-like input."""

import numpy as np
import pytest

pytest.importorskip("sklearn")

from pynn_glif3.generate.digits import LGNEncoder, load_digits, train_test_split  # noqa: E402


def test_dataset_and_split():
    images, labels = load_digits()
    assert images.shape == (1797, 8, 8) and images.min() == 0 and images.max() == 1
    train, test = train_test_split(labels, 10, seed=0)
    assert len(test) == 100 and np.all(np.bincount(labels[test]) == 10)
    assert not set(train) & set(test) and len(train) + len(test) == 1797
    np.testing.assert_array_equal(train_test_split(labels, 10, seed=0)[1], test)


def test_encoding():
    images, labels = load_digits()
    enc = LGNEncoder(n_lgn=200, seed=1)
    p = enc.probabilities(images[:5], pre=10, image=30, post=5)
    assert p.shape == (5, 45, 200) and p.dtype == np.float32
    np.testing.assert_allclose(p[:, :10], enc.spontaneous_hz / 1000.0, rtol=1e-6)
    np.testing.assert_allclose(p[:, 40:], enc.spontaneous_hz / 1000.0, rtol=1e-6)
    assert p.max() <= (enc.spontaneous_hz + enc.gain_hz) / 1000.0 + 1e-7
    # ON units respond to ink, OFF units to its absence
    blank, full = np.zeros((1, 8, 8)), np.ones((1, 8, 8))
    r_blank, r_full = enc.rates_hz(blank)[0], enc.rates_hz(full)[0]
    assert np.all(r_full[enc.on] > r_blank[enc.on]) and np.all(r_full[~enc.on] < r_blank[~enc.on])
    # different digits give different patterns; same encoder seed, same fields
    assert not np.allclose(p[0, 20], p[1, 20])
    np.testing.assert_array_equal(LGNEncoder(n_lgn=200, seed=1).fields, enc.fields)


def test_grid_encoder_follows_the_lgn_grid_and_the_stimulus_file_round_trips(tmp_path):
    from pynn_glif3.generate.digits import write_digits_stimulus
    from pynn_glif3.io.stimulus_h5 import open_stimulus
    from pynn_glif3.generate.synthetic import lgn_positions

    images, labels = load_digits()
    enc = LGNEncoder(n_lgn=100, seed=2, grid=True)
    np.testing.assert_allclose(enc.centres, lgn_positions(100) * 8.0 - 0.5)
    # a unit centred on a pixel responds most to ink at that pixel
    unit = int(np.argmin(np.abs(enc.centres - [3.0, 5.0]).sum(axis=1)))
    dot = np.zeros((1, 8, 8))
    dot[0, 5, 3] = 1.0
    other = np.zeros((1, 8, 8))
    other[0, 1, 6] = 1.0
    sign = 1.0 if enc.on[unit] else -1.0
    assert sign * (enc.rates_hz(dot)[0, unit] - enc.rates_hz(other)[0, unit]) > 0
    path = write_digits_stimulus(str(tmp_path / "digits.h5"), images[:4], labels[:4], enc,
                                 pre=3, image=10, post=2)
    with open_stimulus(path) as stim:
        assert len(stim) == 4 and stim.seq_len == 15 and stim.n_lgn == 100
        np.testing.assert_array_equal(stim.labels, labels[:4])
        assert tuple(stim.response_window) == (11, 15)
        expected = enc.probabilities(images[:4], pre=3, image=10, post=2)
        np.testing.assert_allclose(stim.probabilities(2), expected[2], rtol=1e-6)
