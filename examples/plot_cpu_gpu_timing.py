"""
Training on the CPU or a GPU: a timing table
============================================

Every skae estimator takes ``device``: 'cpu', 'cuda' (or 'cuda:1', ...), 'mps' or
'auto'. This example times an epoch of training of two autoencoders of the course on
both the CPU and, when PyTorch sees one, a CUDA GPU: the dense 784-100-30 autoencoder of
the MNIST exercise and a convolutional one for 32x32 colour images (skae's default
convolutions of 32 and 64 channels, and a code of 64), each at a small and a large batch
size. Without CUDA the GPU cells say "not measured" instead of a number.

The time of an epoch is the median of the durations that the fitted skorch net records
per epoch (``net_.history[:, "dur"]``): the median leaves out the first epoch, which
may pay for one-off set-up (on a GPU, loading and choosing its kernels). skae copies the
training data to the device once and cuts the batches there, so no epoch waits for
transfers.

The test suite runs the example on 500 rows, where a GPU has little to chew on. Set
``SKAE_EXAMPLES_TIMING_ROWS`` for a fairer contest, e.g.::

    SKAE_EXAMPLES_TIMING_ROWS=20000 python examples/plot_cpu_gpu_timing.py

Timings depend on the machine, on its other work and, for the CPU, on how many threads
torch may use (``torch.get_num_threads()``, set by ``OMP_NUM_THREADS``; the test suite
uses one).
"""

# %%
# The contest
# -----------
# Pixel values do not change how long arithmetic takes, so random images stand in for
# MNIST and CIFAR-10 here. Every fit runs 3 epochs, without held-out rows.
import os

import matplotlib.pyplot as plt
import numpy as np
import torch

from skae import AutoencoderTransformer

n_rows = int(os.environ.get("SKAE_EXAMPLES_TIMING_ROWS", 500))
rng = np.random.default_rng(0)
datasets = {
    "dense 784-100-30": rng.uniform(size=(n_rows, 784)).astype(np.float32),
    "conv 32x32x3": rng.uniform(size=(n_rows, 32, 32, 3)).astype(np.float32),
}
models = {
    "dense 784-100-30": dict(n_components=30, hidden_layer_sizes=(100,)),
    "conv 32x32x3": dict(n_components=64, encoder="conv", encoder__channels_last=True,
                         encoder__conv_channels=(32, 64)),
}
batch_sizes = (32, 256)
devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def epoch_seconds(device, batch_size, X, **params):
    """Median duration of an epoch of fitting an autoencoder on ``device``."""
    model = AutoencoderTransformer(max_epochs=3, batch_size=batch_size, early_stopping=False,
                                   device=device, random_state=0, **params).fit(X)
    return float(np.median(model.net_.history[:, "dur"]))


timings = {
    (name, batch_size, device): epoch_seconds(device, batch_size, datasets[name], **params)
    for name, params in models.items() for batch_size in batch_sizes for device in devices
}

# %%
# The table
# ---------
gpu_name = torch.cuda.get_device_name() if torch.cuda.is_available() else None
print(f"{n_rows:,} rows; CPU with {torch.get_num_threads()} torch thread(s); GPU: "
      f"{gpu_name or 'none (torch.cuda.is_available() is False)'}")
print(f"{'ms per epoch':<20}{'batch':>6}{'CPU':>10}{'GPU':>16}{'GPU speed-up':>14}")
for name in models:
    for batch_size in batch_sizes:
        cpu = timings[name, batch_size, "cpu"]
        gpu = timings.get((name, batch_size, "cuda"))
        gpu_cell, speed_up = (("not measured", "-") if gpu is None
                              else (f"{1000 * gpu:.0f}", f"{cpu / gpu:.1f}x"))
        print(f"{name:<20}{batch_size:>6}{1000 * cpu:>10.0f}{gpu_cell:>16}{speed_up:>14}")

# %%
# Larger batches make every epoch cheaper, since each optimiser step carries a fixed
# cost. A GPU has thousands of cores to keep busy, so it pays off with large batches,
# large layers and many rows; on the test suite's 500 rows and small dense layers,
# expect it to gain little or even lose, the cost of launching its kernels outweighing
# the arithmetic it saves.
labels = [f"{name}\nbatch {batch_size}" for name in models for batch_size in batch_sizes]
fig, ax = plt.subplots(figsize=(7, 3.5))
width = 0.8 / len(devices)
for i, device in enumerate(devices):
    values = [1000 * timings[name, batch_size, device]
              for name in models for batch_size in batch_sizes]
    ax.bar(np.arange(len(labels)) + i * width, values, width, label=device.upper())
ax.set_xticks(np.arange(len(labels)) + width * (len(devices) - 1) / 2, labels, fontsize="small")
ax.set_ylabel("ms per epoch")
ax.set_title(f"An epoch of training on {n_rows:,} rows"
             + ("" if gpu_name else " (GPU not measured: no CUDA)"))
ax.legend()
fig.tight_layout()
