"""
One autoencoder trained on several GPUs, processes or machines
==============================================================

Pass an ``accelerate.Accelerator`` as ``accelerator`` and start the script with
accelerate's launcher: every process runs the whole script, calls ``fit`` on the same
rows, and trains its slice of every batch of one shared model (data parallel, through
``DistributedDataParallel``). The model is the one a single process would fit with the same
``batch_size``, whatever the number of processes. Install the extra first::

    pip install "skae[accelerate]"

Every GPU of one machine::

    accelerate launch --multi_gpu examples/accelerate_multi_gpu.py

Two machines of 8 GPUs each (run on both, with ``--machine_rank 1`` on the second;
``--num_processes`` counts the processes of all machines)::

    accelerate launch --multi_gpu --num_machines 2 --num_processes 16 --machine_rank 0 \\
        --main_process_ip 10.0.0.1 --main_process_port 29500 examples/accelerate_multi_gpu.py

Two processes on a CPU, to try it without a GPU (``accelerate launch --cpu`` starts only
one; torchrun, which ``accelerate launch`` uses underneath, starts any number)::

    torchrun --nproc_per_node 2 examples/accelerate_multi_gpu.py

Run as a plain script (``python examples/accelerate_multi_gpu.py``) it trains in one
process, on a GPU when there is one.
"""

# %%
# The data and the estimator
# --------------------------
# Every process loads the same rows. ``batch_size`` is the global batch: with 4 processes
# each trains on 64 of its 256 rows, and the gradients are averaged. Seeds come from the
# main process, so ``random_state`` gives one model on all of them.
import joblib
import torch
from accelerate import Accelerator
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

from skae import AutoencoderTransformer

# Without GPUs the processes must be told to meet on the CPU: else each trains alone.
accelerator = Accelerator(cpu=not torch.cuda.is_available())
X, _ = load_digits(return_X_y=True)
X_train, X_test = train_test_split(MinMaxScaler().fit_transform(X), random_state=0)

autoencoder = AutoencoderTransformer(
    n_components=8, hidden_layer_sizes=(64,), batch_size=256, max_epochs=30, lr=3e-3,
    random_state=0, accelerator=accelerator,
)
autoencoder.fit(X_train)

# %%
# Using the model
# ---------------
# After ``fit`` every process holds the same fitted model. Score and save it once, on the
# main process; ``accelerator.print`` prints there only. The saved estimator loads and
# transforms in a single process anywhere.
accelerator.print(f"{accelerator.num_processes} process(es) on {accelerator.device}; "
                  f"test reconstruction score {autoencoder.score(X_test):.4f}")
if accelerator.is_main_process:
    joblib.dump(autoencoder, "autoencoder.joblib")
    print(joblib.load("autoencoder.joblib").transform(X_test[:3]).round(2))
