"""Dropout in the dense bodies: none against 0.05 and 0.1 after every hidden activation.

Defaults otherwise (GELU, zeroed-output start beside the PCA-initialised linear path,
'auto' sizes and schedule). On the bundled digits, breast_cancer, wine and diabetes
(standardised, 3 splits) at codes 2, d/8, d/4, d/2: test MSE, mean over the splits, with
PCA's. On mnist10k (pixels in [0, 1], the fixed split, seed 0): reconstruction at codes
8, 32 and 64, and ``DenoisingAutoencoder(32)`` with Gaussian and masking noise 0.3, scored
as in ``bench_defaults.py``. Ratios are to no dropout.

    OMP_NUM_THREADS=1 python benchmarks/bench_dropout.py [--mnist PATH] [--only NAME ...]
"""

from bench_activation import compare

DROPOUTS = (0.0, 0.05, 0.1)

if __name__ == "__main__":
    compare("dropout", DROPOUTS, __doc__)
