"""Train the bundled digits model: a synthetic V1 learns scikit-learn's handwritten digits.

The network is a synthetic Billeh-like V1 of 2,000 GLIF3 neurons (pynn_glif3.generate.synthetic, sparser
than full density so that an epoch takes minutes); its input is 400 LGN-like ON/OFF units on the
LGN grid over the 8x8 image (pynn_glif3.generate.digits, peaking at 504 Hz), shown for 30 ms between 5 ms
blanks; the class is the readout pool (30 L5 excitatory neurons per digit) with the most spikes from 8 ms after image
onset to the end.  Training is the V1 training method (pynn_glif3.jobs.training): BPTT through the
spiking layer with its pseudo-derivative, Dale's law, a rate regulariser, fresh input spikes and
background every batch.  300 digits (30 per class) are held out.

Writes, into the package's data directory by default (--out to choose another):

* digits_v1.h5               the trained network, users' trained-network HDF5 layout
* digits_test_stimulus.h5    the held-out digits, users' stimulus layout
* digits_v1.json             settings, per-epoch history, held-out accuracy, time taken

The run is seeded and asks TensorFlow for deterministic ops; on 2 shared cores two runs agreed
for two epochs and then differed slightly (docs/digits.md), so it re-creates a model of the same
quality.  It takes about 20 minutes on 2 cores (digits_v1.json records the measured time).

    python examples/train_digits.py [--epochs 12] [--out DIR]
"""

import argparse
import dataclasses
import json
import os
import platform
import sys
import time

import numpy as np

# the network and task
N_NEURONS, N_LGN, POOL_SIZE = 2000, 400, 30
INDEGREE_SCALE, LGN_RF_WIDTH = 0.15, 0.25
PRE, IMAGE, POST = 5, 30, 5
GAIN_HZ = 500.0
N_TEST_PER_CLASS = 30
# the training
SEED = 0
LEARNING_RATE, RECURRENT_LEARNING_RATE, LOGIT_SCALE, BATCH = 0.03, 0.003, 5.0, 16
LATE_RATE_FACTOR = 0.3      # learning rates in the last third of the epochs, relative


def make_task():
    """(network, encoder, images, labels, train indices, test indices)."""
    from pynn_glif3.generate.digits import LGNEncoder, load_digits, train_test_split
    from pynn_glif3.generate.synthetic import generate_v1

    net = generate_v1(N_NEURONS, seed=SEED, n_lgn=N_LGN, n_classes=10, pool_size=POOL_SIZE,
                      indegree_scale=INDEGREE_SCALE, weight_scale=INDEGREE_SCALE ** -0.5,
                      lgn_rf_width=LGN_RF_WIDTH)
    encoder = LGNEncoder(n_lgn=N_LGN, seed=SEED, gain_hz=GAIN_HZ, grid=True)
    images, labels = load_digits()
    train, test = train_test_split(labels, N_TEST_PER_CLASS, seed=SEED)
    return net, encoder, images, labels, train, test


def main(argv=None):
    from pynn_glif3 import bundled

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--out", default=bundled.DATA, help="output directory (default: the package's data)")
    args = p.parse_args(argv)

    import tensorflow as tf
    tf.config.experimental.enable_op_determinism()
    from pynn_glif3.generate.digits import write_digits_stimulus
    from pynn_glif3.io.users_h5 import write_users_h5
    from pynn_glif3.jobs.training import ReadoutTrainer

    start = time.perf_counter()
    net, encoder, images, labels, train, test = make_task()
    n_steps = PRE + IMAGE + POST
    window = (PRE + 8, n_steps)
    probabilities = encoder.probabilities(images, pre=PRE, image=IMAGE, post=POST)
    print(f"synthetic V1: {net.n_neurons} neurons, {net.recurrent.n} recurrent and {net.inputs.n} "
          f"LGN synapses; {len(train)} training and {len(test)} held-out digits", flush=True)
    trainer = ReadoutTrainer(net.neurons, net.recurrent, net.inputs, N_LGN, net.bkg_weights,
                             net.readout_ids, window=window, n_steps=n_steps,
                             learning_rate=LEARNING_RATE,
                             recurrent_learning_rate=RECURRENT_LEARNING_RATE,
                             logit_scale=LOGIT_SCALE, seed=SEED)
    test_rng = np.random.default_rng([SEED, 1])
    test_spikes = (test_rng.random(probabilities[test].shape) < probabilities[test]).astype(np.float32)
    test_counts = test_rng.binomial(10, 0.1, size=(len(test), n_steps)).astype(np.float32)
    history = []
    for epoch in range(args.epochs):
        if epoch == (2 * args.epochs) // 3:
            trainer.scale_learning_rates(LATE_RATE_FACTOR)
        entry = trainer.fit(probabilities[train], labels[train], epochs=1, batch_size=BATCH,
                            log=None, rng_seed=[SEED, 2, epoch])[0]
        predicted, _ = trainer.predict(test_spikes, test_counts)
        entry.update(epoch=epoch + 1, held_out_accuracy=float(np.mean(predicted == labels[test])))
        history.append(entry)
        print(f"epoch {epoch + 1}/{args.epochs}: loss {entry['loss']:.3f}, train accuracy "
              f"{entry['accuracy']:.1%}, held-out accuracy {entry['held_out_accuracy']:.1%}, "
              f"rate {entry['rate_hz']:.1f} Hz, {entry['seconds']:.0f} s", flush=True)

    recurrent, inputs = trainer.trained_synapses()
    trained = dataclasses.replace(net, recurrent=recurrent, inputs=inputs,
                                  provenance=dict(net.provenance, trained="examples/train_digits.py"))
    os.makedirs(args.out, exist_ok=True)
    write_users_h5(os.path.join(args.out, bundled.NETWORK), trained, compression="gzip")
    write_digits_stimulus(os.path.join(args.out, bundled.STIMULUS), images[test], labels[test],
                          encoder, pre=PRE, image=IMAGE, post=POST, window=window)
    record = dict(
        network=dict(n_neurons=N_NEURONS, n_lgn=N_LGN, pool_size=POOL_SIZE, seed=SEED,
                     indegree_scale=INDEGREE_SCALE, lgn_rf_width=LGN_RF_WIDTH,
                     recurrent_synapses=int(net.recurrent.n), lgn_synapses=int(net.inputs.n)),
        task=dict(data="sklearn.datasets.load_digits", pre_ms=PRE, image_ms=IMAGE, post_ms=POST,
                  gain_hz=GAIN_HZ, response_window=list(window), n_train=int(len(train)),
                  n_test=int(len(test)), test_indices=[int(i) for i in test]),
        training=dict(epochs=args.epochs, batch=BATCH, learning_rate=LEARNING_RATE,
                      recurrent_learning_rate=RECURRENT_LEARNING_RATE, logit_scale=LOGIT_SCALE,
                      late_rate_factor=LATE_RATE_FACTOR, late_from_epoch=(2 * args.epochs) // 3 + 1,
                      history=history),
        held_out_accuracy_float32=history[-1]["held_out_accuracy"] if history else None,
        seconds=time.perf_counter() - start,
        machine=dict(cpus=os.cpu_count(), python=platform.python_version(), tensorflow=tf.__version__))
    with open(os.path.join(args.out, bundled.RECORD), "w") as f:
        json.dump(record, f, indent=1)
    print(f"wrote {bundled.NETWORK}, {bundled.STIMULUS} and {bundled.RECORD} to {args.out} "
          f"in {record['seconds'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
