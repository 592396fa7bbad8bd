"""The conversion's example task: scikit-learn's 8x8 digits and two small ANNs trained on them.

The split is :func:`pynn_glif3.generate.digits.train_test_split` (stratified, fixed by a seed).  The ANNs:

* ``dense``: Flatten - Dense(64, relu) - Dense(10)
* ``conv``: Conv2D(8, 3x3, relu) - AveragePooling2D(2) - Flatten - Dense(10)

Both have biases and end in logits (the softmax is in the loss), which convert as they are.
"""

import numpy as np

from pynn_glif3.generate.digits import load_digits, train_test_split

ARCHITECTURES = ("dense", "conv")


def load_split(n_test_per_class=36, seed=0):
    """(x_train, y_train, x_test, y_test); images (n, 8, 8, 1) in [0, 1]."""
    images, labels = load_digits()
    train, test = train_test_split(labels, n_test_per_class, seed=seed)
    x = images[..., None].astype(np.float32)
    return x[train], labels[train], x[test], labels[test]


def make_ann(architecture):
    """An untrained Keras model of one of :data:`ARCHITECTURES`."""
    import keras

    if architecture == "dense":
        hidden = [keras.layers.Flatten(), keras.layers.Dense(64, activation="relu")]
    elif architecture == "conv":
        hidden = [keras.layers.Conv2D(8, 3, activation="relu"), keras.layers.AveragePooling2D(2),
                  keras.layers.Flatten()]
    else:
        raise ValueError(f"architecture {architecture!r}: expected one of {ARCHITECTURES}")
    return keras.Sequential([keras.Input((8, 8, 1))] + hidden + [keras.layers.Dense(10)],
                            name=f"digits_{architecture}")


def train_ann(architecture, x_train, y_train, epochs=60, seed=0, verbose=0):
    """Train a fresh :func:`make_ann` model (Adam, cross-entropy on the logits); returns it."""
    import keras

    keras.utils.set_random_seed(seed)
    model = make_ann(architecture)
    model.compile(optimizer=keras.optimizers.Adam(3e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=epochs, verbose=verbose)
    return model


def ann_accuracy(model, x, y):
    """Accuracy of the Keras model (arg-max of its outputs)."""
    return float(np.mean(np.argmax(model.predict(x, verbose=0), axis=-1) == y))
