"""The trained model that ships with the package: a synthetic V1 that classifies digits.

``examples/train_digits.py`` produces it: a synthetic Billeh-like V1 (:mod:`pynn_glif3.generate.synthetic`)
trained with :class:`pynn_glif3.jobs.training.ReadoutTrainer` on scikit-learn's 8x8 digits
(:mod:`pynn_glif3.generate.digits`).  Both files are in the users' layouts: the network in the
trained-network HDF5 layout, the held-out samples in the stimulus layout.  ``digits_v1.json``
records how they were made and what the training measured.
"""

import json
import os

DATA = os.path.dirname(os.path.abspath(__file__))
NETWORK = "digits_v1.h5"
STIMULUS = "digits_test_stimulus.h5"
RECORD = "digits_v1.json"


def _path(name):
    path = os.path.join(DATA, name)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: the bundled digits model is missing from this installation; "
                                f"recreate it with examples/train_digits.py")
    return path


def network_path():
    """The bundled trained network (users' trained-network HDF5 layout)."""
    return _path(NETWORK)


def stimulus_path():
    """The held-out digits as a stimulus file (users' layout)."""
    return _path(STIMULUS)


def training_record():
    """How the bundled model was made and what its training measured (a dict)."""
    with open(_path(RECORD)) as f:
        return json.load(f)
