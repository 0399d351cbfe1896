"""The one seeded skorch run that trains every skae network.

:func:`train` seeds torch, builds the module (inside the seeded block, so that the seed
decides the initial weights), makes the skorch net from the estimator's training parameters
and a :class:`skae._plan.TrainingPlan`, and trains it: from scratch, on from a fitted net
(``warm_start``, ``partial_fit``) or not at all (``epochs=0``, to build). Greedy layer-wise
pretraining (:func:`train_greedy`) is a sequence of such runs. The functions read the
estimator's parameters as a dict; they never call back into an estimator.
"""

import copy
import functools
import warnings
from contextlib import contextmanager
from dataclasses import replace

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from skorch.callbacks import ProgressBar
from skorch.history import History
from skorch.utils import noop
from torch import nn

from ._accelerate import accelerated, broadcast_seeds, process_index
from ._assembly import evaluating, greedy_pairs
from ._data import BatchIterator, TensorSplit, map_batches
from ._net import DivergenceGuard, EarlyStoppingFromStart, seeded_torch
from ._parallel import machine_share
from ._skorch import partial_fit_interruptible, stopped_early
from .modules import Autoencoder

OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}
MAX_SEED = np.iinfo(np.int32).max
# Optimizers run as torch's fused kernel (one pass over all parameters) where it exists.
FUSED = (torch.optim.Adam, torch.optim.AdamW)


def resolve_device(device):
    """Map skae's ``device`` parameter to a torch device string, or say why it can't run."""
    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    try:
        kind = torch.device(device).type
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device={device!r} is not a torch device; use 'cpu', 'cuda', 'mps' or 'auto'."
        ) from exc
    if kind == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this machine; "
            "use device='cpu', or device='auto' to take a GPU only when there is one."
        )
    if kind == "mps" and not torch.backends.mps.is_available():
        raise ValueError(
            f"device={device!r} was requested but MPS is not available on this machine; "
            "use device='cpu' or device='auto'."
        )
    return str(device)


def training_device(params):
    """Where to train: the accelerator's device, else the ``device`` parameter's."""
    accelerator = params.get("accelerator")
    if accelerator is not None:
        return str(accelerator.device)
    return resolve_device(params["device"])


@functools.cache
def fused_supported(optimizer_class, device_type):
    """Whether torch has a fused ``optimizer_class`` for parameters on ``device_type``.

    The fused kernel updates every parameter in one pass instead of a few per tensor:
    about 1.4x the samples per second of a 50-32-8 network on a 2-core CPU.
    """
    try:
        parameter = torch.zeros(1, device=device_type, requires_grad=True)
        optimizer = optimizer_class([parameter], fused=True)
        parameter.grad = torch.zeros_like(parameter)
        optimizer.step()
    except (RuntimeError, TypeError, ValueError):
        return False
    return True


@contextmanager
def rolled_back_on_error(estimator):
    """Leave ``estimator``'s attributes as they were if the block raises (a failed fit).

    Whatever the block raises propagates, ``KeyboardInterrupt`` included, with a note
    that says which estimator was left as it was.
    """
    state = dict(vars(estimator))
    try:
        yield
    except BaseException as exc:
        vars(estimator).clear()
        vars(estimator).update(state)
        exc.add_note(f"{type(estimator).__name__} is left as it was before this call.")
        raise


def draw_seeds(params, n):
    """``n`` seeds for torch, drawn from ``random_state`` (by the main process, when
    several train together)."""
    seeds = check_random_state(params["random_state"]).randint(MAX_SEED, size=n)
    return broadcast_seeds(params.get("accelerator"), [int(s) for s in seeds])


def prefixed(params, prefix):
    """The ``<prefix>__<name>`` parameters, keys kept whole (as skorch takes them)."""
    return {k: v for k, v in params.items() if k.startswith(prefix + "__")}


def _carry_over(previous, net):
    """Continue ``previous``'s training in ``net``: its history and optimizer state.

    The optimizer's hyperparameters (``lr``, ``weight_decay``, ...) stay those of ``net``, so
    that parameters changed since the last fit apply, as in ``MLPClassifier``'s warm start.
    The history is a new list of the same epochs, so ``previous`` stays as it was.
    """
    net.history = History(previous.history)
    if type(previous.optimizer_) is not type(net.optimizer_):
        return
    settings = [{k: v for k, v in group.items() if k != "params"}
                for group in net.optimizer_.param_groups]
    net.optimizer_.load_state_dict(copy.deepcopy(previous.optimizer_.state_dict()))
    for group, setting in zip(net.optimizer_.param_groups, settings, strict=True):
        group.update(setting)


def _callbacks(params, plan, estimator):
    """skae's callbacks, then the user's, used as given (as skorch does)."""
    callbacks = [("divergence_guard", DivergenceGuard(estimator))]
    if plan.monitor is not None:
        # patience n + 1: MLPClassifier stops after more than n epochs without improvement.
        callbacks.append(("early_stopping", EarlyStoppingFromStart(
            monitor=plan.monitor, patience=params["n_iter_no_change"] + 1,
            threshold=params["tol"], threshold_mode="abs", load_best=plan.early_stopping,
            sink=print if params["verbose"] else noop,
        )))
    if params["verbose"]:
        callbacks.append(("progress_bar", ProgressBar()))
    return callbacks + list(params["callbacks"] or [])


def _optimizer(params, device):
    """The optimizer class and its ``optimizer__*`` arguments."""
    optimizer = params["optimizer"]
    optimizer = OPTIMIZERS[optimizer] if isinstance(optimizer, str) else optimizer
    kwargs = {"optimizer__weight_decay": params["weight_decay"], **prefixed(params, "optimizer")}
    if (optimizer in FUSED and "optimizer__fused" not in kwargs
            and fused_supported(optimizer, torch.device(device).type)):
        kwargs["optimizer__fused"] = True
    return optimizer, kwargs


def _make_net(params, net_class, module, seed, plan, device, *, stratify, criterion,
              net_params, estimator):
    """A ``net_class`` configured from the training parameters, not yet initialised."""
    if (params["precision"] == "bfloat16" and torch.device(device).type == "cuda"
            and not torch.cuda.is_bf16_supported()):
        raise ValueError(f"precision='bfloat16' needs a GPU with bfloat16 support, which "
                         f"{device} lacks; use precision='float32'.")
    optimizer, optimizer_params = _optimizer(params, device)
    # net_params may replace the training iterator (semi-supervised batches).
    net_params = {"iterator_train": BatchIterator, "iterator_train__shuffle": True,
                  **net_params}
    accelerator = params.get("accelerator")
    if accelerator is not None:
        # The accelerator places the module and the data itself.
        net_class, device = accelerated(net_class), None
        net_params["accelerator"] = accelerator
    split = (TensorSplit(params["validation_fraction"], seed=seed, stratify=stratify)
             if plan.early_stopping else None)
    return net_class(
        module=module, criterion=criterion, optimizer=optimizer, lr=plan.lr,
        max_epochs=plan.max_epochs, batch_size=plan.batch_size, iterator_valid=BatchIterator,
        train_split=split, callbacks=_callbacks(params, plan, estimator), verbose=params["verbose"],
        device=device, precision=params["precision"], compile=params["compile"],
        **prefixed(params, "compile"), **prefixed(params, "callbacks"), **net_params,
        **optimizer_params,
    )


def train(params, net_class, module, X, y=None, *, plan, epochs=None, previous=None,
          seed=None, criterion=nn.MSELoss, estimator="The network", **net_params):
    """The one training run of every skae estimator: seed, build, train; return the net.

    Parameters
    ----------
    params : dict
        The estimator's parameters (``get_params(deep=False)``).
    net_class : type
        The skorch net to make.
    module : torch.nn.Module or callable or None
        The module, or a callable that builds it (inside the seeded block, so that the seed
        decides the initial weights). Ignored when ``previous`` is given.
    X, y : array-like
        Validated training data.
    plan : skae._plan.TrainingPlan
        Batches, epochs and the stopping rule.
    epochs : int or None, default=None
        None trains for ``plan.max_epochs`` epochs with the stopping rule; an int trains
        that many epochs (``partial_fit``); 0 only builds.
    previous : skorch.NeuralNet or None, default=None
        A fitted net to continue: a copy of its module, its history and its optimizer
        state carry over (so a failed run leaves it untouched).
    seed : int or None, default=None
        Seed of torch's RNG for the run; drawn from ``random_state`` (and the number of
        epochs already run, so that continued runs draw afresh) when None.
    criterion : type, default=torch.nn.MSELoss
    estimator : str, default='The network'
        The name of the estimator that trains, for its errors and warnings.
    **net_params
        More parameters of the net (penalties, iterators).

    A ``KeyboardInterrupt`` (Ctrl-C, or raised by a callback) propagates, and so does a
    divergence (:class:`skae._net.DivergenceGuard`); early stopping ends the run quietly.
    A run of ``plan.max_epochs`` epochs that its stopping rule did not end warns with a
    ``ConvergenceWarning``, as ``MLPClassifier`` does when ``max_iter`` ends its fit.

    The run holds torch's generator (:func:`skae._net.seeded_torch`): seeded runs in
    other threads wait for it, so that each draws what it draws alone.

    In a parallel worker (a Dask worker, a joblib process) the run takes its share of
    the machine: see :func:`skae._parallel.machine_share`.
    """
    if epochs is not None:  # a set number of epochs: no held-out rows, no stopping rule
        plan = replace(plan, early_stopping=False, monitor=None)
    n_samples = X.shape[0]
    if plan.early_stopping and n_samples < 2:
        raise ValueError(
            f"early_stopping=True holds out validation rows, but X has {n_samples} sample; "
            "pass more samples or early_stopping=False.")
    if seed is None:
        done = 0 if previous is None else len(previous.history)
        seed = (draw_seeds(params, 1)[0] + done) % MAX_SEED
    accelerator = params.get("accelerator")
    # Every process draws its own noise and dropout; the order of rows and the held-out
    # rows come from ``seed`` alone, and the starting weights from the main process.
    with machine_share(training_device(params)) as device, \
            seeded_torch(seed + process_index(accelerator), device):
        if previous is not None:
            module = copy.deepcopy(previous.module_)
        elif not isinstance(module, nn.Module):
            module = module()
        net = _make_net(params, net_class, module, seed, plan, device, stratify=y is not None,
                        criterion=criterion, net_params=net_params,
                        estimator=estimator).initialize()
        if previous is not None:
            _carry_over(previous, net)
        done = len(net.history)  # the epochs of the runs before
        if epochs != 0:
            partial_fit_interruptible(net, X, y, epochs=epochs)
    if epochs is None and _unconverged(params, plan, net, done):
        warnings.warn(
            f"{estimator}: max_epochs={plan.max_epochs} ended training before the "
            f"{plan.monitor or 'train_loss'} stopped improving by tol={params['tol']} for "
            f"n_iter_no_change={params['n_iter_no_change']} epochs; the optimisation has "
            "not converged yet. Raise max_epochs, or tol to stop sooner.",
            ConvergenceWarning, stacklevel=2)
    return net


def _unconverged(params, plan, net, done):
    """Whether a run that ``max_epochs`` ended was still improving, as ``MLPClassifier``
    judges it: by ``tol`` within the last ``n_iter_no_change + 1`` epochs.

    A run with a stopping rule was, unless the rule ended it; a run without one (the
    classifier's semi-supervised fine-tuning) is judged by its training losses.
    """
    if stopped_early(net):
        return False
    if plan.monitor is not None:
        return True
    losses = [row["train_loss"] for row in net.history[done:]]
    window = params["n_iter_no_change"] + 1
    return len(losses) <= window or min(losses[-window:]) < min(losses[:-window]) - params["tol"]


def train_greedy(params, net_class, build, X, *, plan, epochs, criterion, corruption,
                 penalties, estimator="The network"):
    """Greedy layer-wise training of a stacked autoencoder, then the stack's net.

    Encoder layer ``i`` and its mirror decoder layer form a shallow autoencoder, trained to
    rebuild the codes of layer ``i - 1`` (``X`` for the first), with ``criterion`` for the
    first and squared error for the others. The layers are trained in place, so the stack
    is the full network with every layer pretrained; its history holds every layer's
    epochs in order, each marked with its ``layer``.

    Parameters
    ----------
    build : callable
        Builds the stack (an :class:`skae.modules.Autoencoder`).
    corruption : callable
        ``corruption(inputs)``: the corruption of a deeper layer's inputs, or None.
    penalties : dict
        Net parameters of the code layer's penalties (the last pair's).
    estimator : str, default='The network'
        The name of the estimator that trains, for its errors and warnings.
    """
    seed = draw_seeds(params, 1)[0]
    module = train(params, net_class, build, X, plan=plan, epochs=0, seed=seed,
                   criterion=criterion, estimator=estimator, **penalties).module_
    pairs = greedy_pairs(module)
    inputs, history = X, History()
    for i, (encoder_layer, decoder_layer) in enumerate(pairs):
        code_layer = i == len(pairs) - 1
        shallow = Autoencoder(
            encoder_layer, decoder_layer,
            corruption=corruption(inputs) if i else module.corruption,
            code_transform=module.code_transform if code_layer else None,
            sample_shape=None if i else module.sample_shape)
        net = train(params, net_class, shallow, inputs, plan=plan, epochs=epochs,
                    seed=seed + 1 + i, criterion=criterion if i == 0 else nn.MSELoss,
                    estimator=estimator, **(penalties if code_layer else {}))
        history.extend(dict(row, epoch=len(history) + j + 1, layer=i)
                       for j, row in enumerate(net.history))
        with evaluating(shallow):
            inputs = map_batches(shallow.encode, inputs, device=net.device)
    # The shallow nets trained the stack's own layers in place, and left them in the
    # mode of their last step; give them the stack's.
    module.train(module.training)
    net = train(params, net_class, module, X, plan=plan, epochs=0, seed=seed,
                criterion=criterion, estimator=estimator, **penalties)
    net.history = history
    return net


def fitted_training(net):
    """The fitted attributes of a trained ``net``: itself, its learning curves and epochs.

    As ``MLPClassifier``'s: ``validation_scores_`` holds minus the held-out loss of every
    epoch that held rows out (None when none did); when the last epoch held rows out,
    ``best_validation_score_`` is the highest of them and ``best_loss_`` is None, else
    ``best_loss_`` is the lowest training loss and ``best_validation_score_`` is None.

    Its module is left in evaluation mode (skorch switches it back for each training
    step), so that its parts called directly (``encoder_``, ``decoder_``) compute what
    ``transform`` does: no dropout, batch norm from its running statistics.
    """
    net.module_.eval()
    history = net.history
    scores = [-row["valid_loss"] for row in history if "valid_loss" in row]
    losses = list(history[:, "train_loss"]) if len(history) else []
    held_out = bool(len(history)) and "valid_loss" in history[-1]
    return dict(net_=net, loss_curve_=losses, validation_scores_=scores or None,
                best_validation_score_=max(scores) if held_out else None,
                best_loss_=min(losses) if losses and not held_out else None,
                n_iter_=len(history))
