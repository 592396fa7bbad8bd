"""A real task that ships with an installed package: scikit-learn's 8x8 handwritten digits.

Images are turned into LGN-like input: each LGN unit has a Gaussian receptive field on the image
and is ON (driven by ink) or OFF (driven by its absence); its rate is a spontaneous rate plus a
gain times its drive while the image is shown, the spontaneous rate during the blanks. A trial is
``pre`` ms blank, ``image`` ms image, ``post`` ms blank, as in the users' stimulus files; the values
returned are per-step spike probabilities (the files store them times 1.3).
"""

from dataclasses import dataclass

import numpy as np


def load_digits():
    """(images (1797, 8, 8) in [0, 1], labels (1797,)) from scikit-learn."""
    try:
        from sklearn.datasets import load_digits as _load
    except ImportError as exc:
        raise ImportError("the digits task needs scikit-learn: pip install scikit-learn") from exc
    data = _load()
    return data.images.astype(np.float64) / 16.0, data.target.astype(np.int32)


def train_test_split(labels, n_test_per_class, seed=0):
    """Deterministic stratified split: (train indices, test indices)."""
    rng = np.random.default_rng(seed)
    test = []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        test.extend(rng.choice(idx, size=n_test_per_class, replace=False))
    test = np.sort(np.asarray(test))
    train = np.setdiff1d(np.arange(labels.size), test)
    return rng.permutation(train), test


@dataclass
class LGNEncoder:
    """Receptive fields of ``n_lgn`` units on an 8x8 image, drawn from ``seed``.

    Centres are uniform on the image, or with ``grid=True`` those of a synthetic V1's LGN units
    (:func:`pynn_glif3.generate.synthetic.lgn_positions`, the visual field [0, 1)^2 stretched over the
    image), so that a neuron's retinotopic LGN inputs see its part of the digit.
    """
    n_lgn: int = 400
    seed: int = 0
    sigma_px: float = 0.9
    spontaneous_hz: float = 4.0
    gain_hz: float = 80.0
    grid: bool = False

    def __post_init__(self):
        rng = np.random.default_rng(self.seed)
        self.centres = rng.uniform(-0.5, 7.5, size=(self.n_lgn, 2))
        self.on = rng.random(self.n_lgn) < 0.5
        if self.grid:
            from pynn_glif3.generate.synthetic import lgn_positions
            self.centres = lgn_positions(self.n_lgn) * 8.0 - 0.5
        yy, xx = np.mgrid[0:8, 0:8]
        d2 = (xx.ravel()[None] - self.centres[:, :1]) ** 2 + (yy.ravel()[None] - self.centres[:, 1:]) ** 2
        rf = np.exp(-d2 / (2 * self.sigma_px ** 2))
        self.fields = rf / rf.sum(axis=1, keepdims=True)          # (n_lgn, 64)

    def rates_hz(self, images):
        """Rates (Hz) of every unit while each image is shown: (n_images, n_lgn)."""
        drive = np.asarray(images, dtype=np.float64).reshape(-1, 64) @ self.fields.T
        drive = np.where(self.on[None], drive, 1.0 - drive)
        return self.spontaneous_hz + self.gain_hz * np.clip(drive, 0.0, 1.0)

    def probabilities(self, images, pre=20, image=80, post=0, dt=1.0):
        """Per-step spike probabilities (n_images, pre + image + post, n_lgn), float32."""
        rates = self.rates_hz(images)
        n_steps = pre + image + post
        out = np.full((rates.shape[0], n_steps, self.n_lgn), self.spontaneous_hz * dt / 1000.0,
                      dtype=np.float32)
        out[:, pre:pre + image] = (rates * dt / 1000.0)[:, None, :]
        return out


def write_digits_stimulus(path, images, labels, encoder, pre=5, image=30, post=5, window=None):
    """A stimulus file in the users' layout (blank, image, blank) for ``images``; returns ``path``.

    ``window`` is the response window in steps (default: from 8 steps after image onset to the end).
    """
    from pynn_glif3.io.stimulus_h5 import write_stimulus

    n_steps = pre + image + post
    window = (pre + 8, n_steps) if window is None else window
    probabilities = encoder.probabilities(images, pre=pre, image=image, post=post)
    write_stimulus(path, probabilities * np.float32(1.3), labels, response_window=window,
                   pre_delay=pre, im_slice=image, post_delay=post, time_windows=np.array([[0, n_steps]]),
                   attrs={"generator": "pynn_glif3.digits", "encoder_seed": np.int64(encoder.seed)})
    return path
