"""Training throughput: skae's estimator vs a plain skorch net vs a hand-written torch loop.

All of them train the same architecture (built by skae, weights re-initialised identically)
with Adam, the same batch size and the same number of epochs on the same float32 data, and
report samples per second and GFLOP/s (6 FLOPs per linear weight per sample), against
the device's measured float32 matrix-multiply peak. The ratios are against the raw loop
(Adam with torch's default implementation, the loop a user writes), measured in the same
run; the same loop with ``Adam(fused=True)`` is the careful engineer's loop. ``--options``
adds skae runs with one option each.

    python benchmarks/bench_training_speed.py                # CPU
    python benchmarks/bench_training_speed.py --options compile=True precision=bfloat16
    python benchmarks/bench_training_speed.py --device cuda  # on a GPU machine
"""

import argparse
import copy
import platform
import time
from pathlib import Path

import numpy as np
import torch
from mnist import MNIST
from skorch import NeuralNetRegressor
from torch import nn

from skae import AutoencoderTransformer
from skae.modules import Autoencoder, DenseDecoder, DenseEncoder


def tabular_data(n_rows=50_000, n_features=50, seed=0):
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n_rows, 8))
    mixing = rng.normal(size=(8, n_features))
    return np.tanh(latent @ mixing / 3).astype(np.float32) + 0.05 * rng.normal(
        size=(n_rows, n_features)).astype(np.float32)


def image_data(path):
    if path.exists():
        return (np.load(path)["X"] / 255.0).astype(np.float32), "mnist10k"
    rng = np.random.default_rng(0)
    return rng.random((10_000, 784), dtype=np.float32), "uniform noise (mnist10k not found)"


class ReconstructionOnly(nn.Module):
    """skorch's regressor needs one output; skae's module returns (reconstruction, code)."""

    def __init__(self, autoencoder):
        super().__init__()
        self.autoencoder = autoencoder

    def forward(self, X):
        return self.autoencoder(X)[0]


def raw_loop(module, X, epochs, batch_size, lr, device, fused=None):
    module = module.to(device)
    X = torch.as_tensor(X, device=device)
    optimizer = torch.optim.Adam(module.parameters(), lr=lr, fused=fused)
    generator = torch.Generator().manual_seed(0)
    module.train()
    for _ in range(epochs):
        total = 0.0
        order = torch.randperm(len(X), generator=generator).to(device)
        X_shuffled = X[order]
        for start in range(0, len(X), batch_size):
            batch = X_shuffled[start:start + batch_size]
            optimizer.zero_grad()
            reconstruction, _ = module(batch)
            loss = nn.functional.mse_loss(reconstruction, batch)
            loss.backward()
            optimizer.step()
            total += loss.item()


def plain_skorch(module, X, epochs, batch_size, lr, device):
    NeuralNetRegressor(
        ReconstructionOnly(module), optimizer=torch.optim.Adam, lr=lr, max_epochs=epochs,
        batch_size=batch_size, train_split=None, verbose=0, device=device,
        iterator_train__shuffle=True,
    ).fit(X, X)


def skae_estimator(params, X, epochs, batch_size, lr, device, **options):
    # The network the loops train, on every row: the ReLU network without dropout
    # (skae's dense default is GELU with dropout 0.05), no PCA-initialised linear path
    # beside it and no held-out rows.
    AutoencoderTransformer(
        **params, lr=lr, max_epochs=epochs, batch_size=batch_size, device=device,
        n_iter_no_change=epochs + 1, early_stopping=False, linear_path=False, random_state=0,
        activation="relu", dropout=0.0, **options,
    ).fit(X)


def training_flops_per_sample(module):
    """About 6 FLOPs per weight of the linear layers for a training step's sample: 2 in
    the forward pass, 4 in the backward pass (gradients of inputs and of weights)."""
    return 6 * sum(m.weight.numel() for m in module.modules() if isinstance(m, nn.Linear))


def matmul_peak(device, size=2048, repeats=10):
    """Measured float32 matrix-multiply GFLOP/s: the practical peak of ``device``."""
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)
    best_time(lambda: a @ b, 2, device)
    seconds = best_time(lambda: a @ b, repeats, device)
    return 2 * size**3 / seconds / 1e9


def best_time(function, repeats, device):
    times = []
    for _ in range(repeats):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        start = time.perf_counter()
        function()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return min(times)


def untrained_module(params, X):
    """The dense network that ``AutoencoderTransformer(**params)`` trains on ``X``."""
    shape = (X.shape[1], params["n_components"], params["hidden_layer_sizes"])
    return Autoencoder(DenseEncoder(*shape), DenseDecoder(*shape))


def run_case(name, X, params, epochs, batch_size, repeats, device, options=()):
    template = untrained_module(params, X)
    lr = 1e-3
    methods = {
        "raw torch loop": lambda: raw_loop(copy.deepcopy(template), X, epochs, batch_size, lr,
                                           device),
        "raw torch loop, fused Adam": lambda: raw_loop(copy.deepcopy(template), X, epochs,
                                                       batch_size, lr, device, fused=True),
        "skorch NeuralNetRegressor": lambda: plain_skorch(copy.deepcopy(template), X, epochs,
                                                          batch_size, lr, device),
        "skae AutoencoderTransformer": lambda: skae_estimator(params, X, epochs, batch_size, lr,
                                                              device),
    }
    for option in options:
        key, value = option.split("=")
        value = {"True": True, "False": False}.get(value, value)
        methods[f"skae AutoencoderTransformer({key}={value!r})"] = (
            lambda key=key, value=value: skae_estimator(params, X, epochs, batch_size, lr,
                                                        device, **{key: value}))
    for method in methods.values():  # warm-up: imports, allocator, kernels
        best_time(method, 1, device)
    # Rounds interleave the methods so that a slow spell of the machine hits all of them.
    best = dict.fromkeys(methods, float("inf"))
    for _ in range(repeats):
        for label, method in methods.items():
            best[label] = min(best[label], best_time(method, 1, device))
    rates = {label: len(X) * epochs / seconds for label, seconds in best.items()}
    raw = rates["raw torch loop"]
    flops = training_flops_per_sample(template)
    rows = [f"| {name} | {label} | {rate:,.0f} | {rate / raw:.2f}x | {rate * flops / 1e9:.1f} |"
            for label, rate in rates.items()]
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--mnist", type=Path, default=MNIST, help="path of mnist10k.npz")
    parser.add_argument("--options", nargs="*", default=[], metavar="PARAM=VALUE",
                        help="more skae runs, each with one option, e.g. compile=True "
                             "precision=bfloat16")
    args = parser.parse_args()
    torch.manual_seed(0)
    X_images, source = image_data(args.mnist)
    cases = [
        ("50-32-8, 50,000 generated rows, batch 128, 5 epochs", tabular_data(),
         dict(n_components=8, hidden_layer_sizes=(32,)), 5, 128),
        (f"784-1000-500-250-30, {len(X_images):,} rows of {source}, batch 128, 2 epochs",
         X_images, dict(n_components=30, hidden_layer_sizes=(1000, 500, 250)), 2, 128),
    ]
    device_name = (torch.cuda.get_device_name() if args.device.startswith("cuda")
                   else f"{platform.processor() or platform.machine()}, "
                        f"{torch.get_num_threads()} torch threads")
    print(f"device: {args.device} ({device_name}); torch {torch.__version__}; "
          f"best of {args.repeats} interleaved runs after a warm-up; measured float32 "
          f"matmul peak {matmul_peak(args.device):,.0f} GFLOP/s\n")
    print("| network and data | trainer | samples/s | vs raw loop | GFLOP/s |")
    print("|---|---|---:|---:|---:|")
    for name, X, params, epochs, batch_size in cases:
        print("\n".join(run_case(name, X, params, epochs, batch_size, args.repeats,
                                 args.device, args.options)), flush=True)


if __name__ == "__main__":
    main()
