"""Fit autoencoders with an ``Accelerator`` on every process that launched this script.

Run by tests/test_accelerate.py through ``torchrun --nproc_per_node 2``:
``python _accelerate_script.py OUT_DIR``. The main process saves every fit's codes and
loss curve to ``OUT_DIR/result.npz``.
"""

import pickle
import sys
from pathlib import Path

import numpy as np
from sklearn.base import clone

from skae import AutoencoderTransformer

# Rows and batches that do not split evenly: 62 rows, global batches of 15 (slices of 7
# and 8 rows) and a last batch of 2.
X = np.random.default_rng(0).normal(size=(62, 6)).astype(np.float32)
CONFIGS = {
    "plain": dict(early_stopping=False, linear_path=False),
    "held_out": dict(early_stopping=True, validation_fraction=0.2, linear_path=False),
}


def fit_all(accelerator=None):
    """The codes and loss curve of every configuration, fitted on ``X``."""
    results = {}
    for name, config in CONFIGS.items():
        # No dropout: its draws differ between processes, as they should.
        ae = AutoencoderTransformer(2, hidden_layer_sizes=(8,), batch_size=15, max_epochs=4,
                                    lr=1e-2, dropout=0.0, random_state=0, **config)
        # Trained as GridSearchCV would, through a clone.
        ae = clone(ae.set_params(accelerator=accelerator)).fit(X)
        ae = pickle.loads(pickle.dumps(ae))  # as it would be saved and loaded elsewhere
        results[f"{name}_codes"] = ae.transform(X)
        results[f"{name}_loss"] = np.array(ae.loss_curve_)
        results[f"{name}_scores"] = np.array(ae.validation_scores_ or [])
    return results


if __name__ == "__main__":
    from accelerate import Accelerator  # here: pytest imports this file without accelerate

    out = Path(sys.argv[1])
    accelerator = Accelerator(cpu=True)
    # The processes started and met: from here on, a failure is skae's.
    (out / f"started_{accelerator.process_index}").touch()
    results = fit_all(accelerator)
    if accelerator.is_main_process:
        np.savez(out / "result.npz", num_processes=accelerator.num_processes, **results)
