"""What skae needs of skorch beyond its public hooks, kept here alone.

Everything else in skae's nets goes through skorch's documented hooks (``get_loss``,
``train_step``, ``train_step_single``, ``validation_step``, ``get_dataset``,
``get_iterator``, callbacks). The names below reach into how ``NeuralNet.fit_loop`` runs
an epoch, into the state ``EarlyStopping`` keeps and into how ``NeuralNet.partial_fit``
ends training; ``tests/test_net.py`` and ``tests/test_faults.py`` pin their
behaviour to skorch's own, and CI runs it against the oldest skorch that
``pyproject.toml`` allows as well as the installed one.
"""

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping
from skorch.dataset import get_len

BATCH_EVENTS = ("on_batch_begin", "on_batch_end", "on_grad_computed")


def listens(net, events=BATCH_EVENTS):
    """Whether ``net`` or one of its callbacks does anything on one of ``events``."""
    listeners = [(type(net), NeuralNet)] + [
        (type(callback), Callback) for _, callback in net.callbacks_]
    return any(getattr(kind, event) is not getattr(base, event)
               for kind, base in listeners for event in events)


def best_so_far(early_stopping, score, weights, epoch):
    """Set a skorch ``EarlyStopping``'s state as after an epoch that scored ``score``
    with ``weights``, the best so far.

    skorch keeps that state in fitted attributes its ``on_epoch_end`` compares with and
    its ``on_train_end`` restores from (``dynamic_threshold_``, ``best_model_weights_``,
    ``best_epoch_``); no public method sets them. The threshold is skorch's: ``score``
    moved by ``threshold``, relative to it in 'rel' mode, in the direction that counts
    as better.
    """
    margin = early_stopping.threshold * (score if early_stopping.threshold_mode == "rel"
                                         else 1)
    early_stopping.dynamic_threshold_ = (score - margin if early_stopping.lower_is_better
                                         else score + margin)
    early_stopping.best_model_weights_ = weights
    early_stopping.best_epoch_ = epoch


def stopped_early(net):
    """Whether one of ``net``'s ``EarlyStopping`` callbacks ended its training.

    skorch's ``EarlyStopping`` ends training by raising ``KeyboardInterrupt`` once
    ``misses_`` reaches ``patience`` (its ``on_train_begin`` resets the count); no public
    attribute says that it did.
    """
    return any(isinstance(callback, EarlyStopping) and callback.misses_ >= callback.patience
               for _, callback in net.callbacks_)


def partial_fit_interruptible(net, X, y=None, epochs=None):
    """``net.partial_fit(X, y, epochs=epochs)``, except that a ``KeyboardInterrupt``
    other than early stopping's propagates.

    skorch's ``partial_fit`` catches every ``KeyboardInterrupt``, so that Ctrl-C and
    ``EarlyStopping`` both end training quietly, with the model of the epochs done. A skae
    fit that the user interrupts raises instead, and the estimator rolls back to where it
    was: a model cut short at an arbitrary step would pass for a fitted one. This runs the
    body of skorch's ``partial_fit`` (initialise, ``on_train_begin``, ``fit_loop``,
    ``on_train_end``) through its public methods, telling the two interrupts apart.
    """
    if not net.initialized_:
        net.initialize()
    net.notify("on_train_begin", X=X, y=y)
    try:
        net.fit_loop(X, y, epochs=epochs)
    except KeyboardInterrupt:
        if not stopped_early(net):
            raise
    net.notify("on_train_end", X=X, y=y)
    return net


class EpochLossReads:
    """Mixin for a ``NeuralNet``: an epoch reads its batches' losses once, at its end.

    ``run_single_epoch`` (public, but the loop itself) is overridden because no hook
    defers skorch's ``step["loss"].item()`` after every batch: a host synchronisation per
    batch on a GPU, which stalls the queue of kernels, and with the three batch events
    sent to every callback, a few percent of a small network's step on a CPU. When the
    net or a callback listens to batch events, skorch's own loop runs; the history's
    records are the same either way.
    """

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        if iterator is None or listens(self):
            return super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)
        losses, sizes = [], []
        for batch in iterator:
            # A copy: the loss may share the storage of a batch-sized buffer.
            losses.append(step_fn(batch, **fit_params)["loss"].detach().clone())
            X = batch[0] if isinstance(batch, tuple | list) else batch
            sizes.append(len(X) if torch.is_tensor(X) else get_len(X))
        values = torch.stack(losses).tolist() if losses else []
        self.history[-1]["batches"].extend(
            {prefix + "_loss": loss, prefix + "_batch_size": size}
            for loss, size in zip(values, sizes, strict=True))
        self.history.record(prefix + "_batch_count", len(sizes))
