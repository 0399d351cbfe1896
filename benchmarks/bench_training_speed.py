"""Training throughput: skae's default estimator vs a hand-written torch loop.

The loop trains the plain network of the same layer sizes (ReLU, no dropout, no linear
path) with Adam as a user writes it (torch's default implementation, the loss read after
every batch). skae's ``AutoencoderTransformer`` runs with its defaults (linear path
started at PCA, GELU, 'auto' dropout, early stopping's held-out rows), only the batch size,
the number of epochs (no early stop) and the seed pinned: its time is the whole ``fit``,
fixed costs (PCA start, checks, validation passes) included, and its samples are the rows
it trains on. Rounds alternate the trainers, so a slow spell of a shared machine hits
them all; the table gives the median samples/s and the median and range of the per-round
ratios to the loop. ``--more`` adds the loop with ``Adam(fused=True)``, a plain skorch
``NeuralNetRegressor`` and skae without its linear path; ``--options`` adds skae runs with
one option each. GFLOP/s counts 6 FLOPs per weight of the loop's network per sample.

    OMP_NUM_THREADS=1 python benchmarks/bench_training_speed.py           # CPU
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
    """Fit the default estimator for ``epochs`` epochs; return the rows it trained on."""
    ae = AutoencoderTransformer(
        **params, lr=lr, max_epochs=epochs, batch_size=batch_size, device=device,
        n_iter_no_change=epochs + 1, random_state=0, **options,
    ).fit(X)
    held_out = ae.validation_scores_ is not None
    return len(X) - (int(len(X) * ae.validation_fraction) if held_out else 0)


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


def run_case(name, X, params, epochs, batch_size, repeats, device, options=(), more=False):
    template = untrained_module(params, X)
    lr = 1e-3
    methods = {
        "torch loop": lambda: raw_loop(copy.deepcopy(template), X, epochs, batch_size, lr,
                                       device),
        "skae AutoencoderTransformer, defaults": lambda: skae_estimator(
            params, X, epochs, batch_size, lr, device),
    }
    if more:
        methods["torch loop, fused Adam"] = lambda: raw_loop(
            copy.deepcopy(template), X, epochs, batch_size, lr, device, fused=True)
        methods["skorch NeuralNetRegressor"] = lambda: plain_skorch(
            copy.deepcopy(template), X, epochs, batch_size, lr, device)
        options = ("linear_path=False", *options)
    for option in options:
        key, value = option.split("=")
        value = {"True": True, "False": False}.get(value, value)
        methods[f"skae AutoencoderTransformer({key}={value!r})"] = (
            lambda key=key, value=value: skae_estimator(params, X, epochs, batch_size, lr,
                                                        device, **{key: value}))
    rows_trained = {}
    for label, method in methods.items():  # warm-up: imports, allocator, kernels
        rows_trained[label] = method() or len(X)
    rates = {label: [] for label in methods}
    for _ in range(repeats):
        for label, method in methods.items():
            seconds = best_time(method, 1, device)
            rates[label].append(rows_trained[label] * epochs / seconds)
    loop = np.array(rates["torch loop"])
    flops = training_flops_per_sample(template)
    rows = []
    for label, rate in rates.items():
        ratios = np.array(rate) / loop
        median = float(np.median(rate))
        rows.append(f"| {name} | {label} | {median:,.0f} | {np.median(ratios):.2f}x "
                    f"({ratios.min():.2f}-{ratios.max():.2f}) | {median * flops / 1e9:.1f} |")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--mnist", type=Path, default=MNIST, help="path of mnist10k.npz")
    parser.add_argument("--more", action="store_true",
                        help="also the fused-Adam loop, plain skorch and linear_path=False")
    parser.add_argument("--small-only", action="store_true", help="only the 50-32-8 net")
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
    ][:1 if args.small_only else 2]
    device_name = (torch.cuda.get_device_name() if args.device.startswith("cuda")
                   else f"{platform.processor() or platform.machine()}, "
                        f"{torch.get_num_threads()} torch threads")
    print(f"device: {args.device} ({device_name}); torch {torch.__version__}; "
          f"median of {args.repeats} alternating rounds after a warm-up; measured float32 "
          f"matmul peak {matmul_peak(args.device):,.0f} GFLOP/s\n")
    print("| network and data | trainer | samples/s | vs torch loop (range) | GFLOP/s |")
    print("|---|---|---:|---:|---:|")
    for name, X, params, epochs, batch_size in cases:
        print("\n".join(run_case(name, X, params, epochs, batch_size, args.repeats,
                                 args.device, args.options, args.more)), flush=True)


if __name__ == "__main__":
    main()
