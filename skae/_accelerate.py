"""Data-parallel training on several processes through Hugging Face accelerate.

:class:`DataParallelMixin` prepares the module and optimizer with an
``accelerate.Accelerator`` (``DistributedDataParallel`` when several processes run), as
skorch's ``AccelerateMixin`` does, and shards skae's batches, which come from
:class:`skae._data.BatchIterator` rather than a torch ``DataLoader``: every
process draws the same order of rows, cuts the same global batch of ``batch_size`` rows,
and trains on its own contiguous slice of it. ``DistributedDataParallel`` averages the
gradients, and each slice's loss is weighted by its share of the batch, so a step follows
the gradient of the global batch's loss: with the same ``batch_size``, the model does not
depend on the number of processes (up to rounding, dropout and batch norm statistics).

Neither accelerate nor ``skorch.hf`` is imported here: accelerate is imported by the user
who builds the ``Accelerator``, and by :func:`broadcast_seeds` and :class:`ProcessShards`
for several processes.
"""

from contextlib import contextmanager

import torch
from skorch.dataset import unpack_data
from skorch.utils import noop

from ._data import as_dataset
from ._net import AutoencoderNet


def process_index(accelerator):
    """This process's rank among the training processes (0 without an accelerator)."""
    return 0 if accelerator is None else accelerator.process_index


def broadcast_seeds(accelerator, seeds):
    """The main process's ``seeds`` on every process, so that all draw the same split,
    order of rows and starting weights even when ``random_state`` is None."""
    if accelerator is None or accelerator.num_processes == 1:
        return seeds
    from accelerate.utils import broadcast_object_list

    return list(broadcast_object_list([list(seeds)], from_process=0)[0])


class ProcessShards:
    """This process's slice of every batch of a :class:`skae._data.BatchIterator`.

    The global batch of ``B`` rows is cut into one contiguous slice per process
    (``B * i // n`` to ``B * (i + 1) // n`` for process ``i`` of ``n``). The order of rows
    is the main process's: every pass starts from its state of torch's RNG, broadcast,
    and this process's own state is restored once the order is drawn, so that noise and
    dropout still differ between processes. A batch with fewer rows than processes (only
    ever a last one) is skipped, as the iterator already skips a last batch of one row.

    Attributes
    ----------
    size : int
        Rows of the global batch last yielded: ``sum`` over processes of their slices.
    """

    def __init__(self, batches, accelerator):
        self.batches = batches
        self.accelerator = accelerator
        self.size = 0

    def __len__(self):
        n_batches = len(self.batches)
        n_rows = len(self.batches.dataset) - self.batches._skips_last_row()
        last = n_rows - (n_batches - 1) * self.batches.batch_size
        return n_batches - (0 < last < self.accelerator.num_processes)

    def _main_rng_state(self):
        """The main process's state of torch's CPU RNG, this process's until then."""
        from accelerate.utils import broadcast

        own = torch.get_rng_state()
        main = broadcast(own.to(self.accelerator.device), from_process=0)
        torch.set_rng_state(main.cpu())
        return own

    def __iter__(self):
        count, index = self.accelerator.num_processes, self.accelerator.process_index
        own = self._main_rng_state() if count > 1 else None
        if not index:
            own = None  # the main process goes on with its own state, untouched
        try:
            for X, y in self.batches:
                if own is not None:  # the order is drawn: go on with our own stream
                    torch.set_rng_state(own)
                    own = None
                size = len(X)
                if size < count:
                    continue
                rows = slice(size * index // count, size * (index + 1) // count)
                self.size = size
                yield X[rows], None if y is None else y[rows]
        finally:
            if own is not None:
                torch.set_rng_state(own)


class DataParallelMixin:
    """Data-parallel training of a skae net with an ``accelerate.Accelerator``.

    It does what skorch's ``AccelerateMixin`` does, through the net's public hooks:
    ``accelerator.prepare`` wraps the module and optimizer when training begins, training
    steps run under the accelerator's ``accumulate`` and ``autocast`` and go backward
    through it, and the wrapped objects are unwrapped once every callback has seen
    training end (early stopping restores weights saved from the wrapped module). Batches
    are sharded over processes (:class:`ProcessShards`). Held-out rows are not: every
    process scores them all with the plain module, so that every process takes the same
    early-stopping decision. The training loss each process records is that of the
    global batch (reduced over processes), for the same reason. After training the
    accelerator forgets the objects it prepared (so that it clones and pickles light),
    and ``device`` becomes the accelerator's, where the fitted module lives.

    Parameters
    ----------
    accelerator : accelerate.Accelerator
        Prepares the module and optimizer, and places them and the data.
    **kwargs
        Passed to the net.
    """

    def __init__(self, *args, accelerator, **kwargs):
        # Only the main process prints, and only when verbose.
        kwargs.setdefault("callbacks__print_log__sink",
                          accelerator.print if kwargs.get("verbose", 1) else noop)
        super().__init__(*args, **kwargs)
        self.accelerator = accelerator

    def get_dataset(self, X, y=None):
        return as_dataset(X, y, device=self.accelerator.device)

    def _trained_parts(self):
        """Names of the net's modules with weights to train: DistributedDataParallel
        refuses the others (a criterion such as MSELoss)."""
        return [name for name in ("module_", "criterion_")
                if isinstance(getattr(self, name), torch.nn.Module)
                and any(p.requires_grad for p in getattr(self, name).parameters())]

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        # Wrapping waits for training to begin: a net that only builds its module (greedy
        # pretraining) or continues a fitted one's optimizer state gets the plain objects.
        if getattr(self, "prepared_", False):
            return
        for name in [*self._trained_parts(), "optimizer_"]:
            setattr(self, name, self.accelerator.prepare(getattr(self, name)))
        self.prepared_ = True

    def _unwrap(self):
        for name in ("module_", "criterion_"):
            module = getattr(self, name)
            if isinstance(module, torch.nn.Module):
                setattr(self, name, self.accelerator.unwrap_model(
                    module, keep_fp32_wrapper=False))
        self.optimizer_ = getattr(self.optimizer_, "optimizer", self.optimizer_)
        self.prepared_ = False

    def get_iterator(self, dataset, training=False):
        batches = super().get_iterator(dataset, training=training)
        if not training:
            return batches
        self.shards_ = ProcessShards(batches, self.accelerator)
        return self.shards_

    def train_step(self, batch, **fit_params):
        with self.accelerator.accumulate(self.module_):
            return super().train_step(batch, **fit_params)

    def train_step_single(self, batch, **fit_params):
        self._set_mode(True)
        Xi, yi = unpack_data(self._training_batch(batch))
        with self.accelerator.autocast():
            y_pred = self.infer(Xi, **fit_params)
            loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        # DistributedDataParallel averages over processes: weighting each slice's mean
        # loss by n_processes * its share of the batch makes that the global batch's mean.
        share = len(Xi) / self.shards_.size
        self.accelerator.backward(loss * (share * self.accelerator.num_processes))
        total = self.accelerator.reduce(loss.detach() * share, reduction="sum")
        return {"loss": total, "y_pred": y_pred}

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        super().on_batch_end(net, batch=batch, training=training, **kwargs)
        if training:  # the epoch's loss weighs every batch by its global size
            self.history.record_batch("train_batch_size", self.shards_.size)

    @contextmanager
    def _plain_module(self):
        wrapped = self.module_
        self.module_ = self.accelerator.unwrap_model(wrapped, keep_fp32_wrapper=True)
        try:
            yield
        finally:
            self.module_ = wrapped

    def validation_step(self, batch, **fit_params):
        with self._plain_module():
            return super().validation_step(batch, **fit_params)

    def evaluation_step(self, batch, training=False):
        # Every process infers on all the rows it is given: nothing to gather.
        with self._plain_module():
            return super().evaluation_step(batch, training=training)

    def notify(self, method_name, **cb_kwargs):
        super().notify(method_name, **cb_kwargs)
        if method_name == "on_train_end":
            self.accelerator.wait_for_everyone()
            self._unwrap()
            self.accelerator.free_memory()
            self.shards_ = None  # it holds the training rows
            # 'cpu', not the 'cpu:0' of several CPU processes, which torch cannot load to.
            device = self.accelerator.device
            self.device = "cpu" if device.type == "cpu" else str(device)


class AcceleratedAutoencoderNet(DataParallelMixin, AutoencoderNet):
    """:class:`skae._net.AutoencoderNet` trained data-parallel with an ``Accelerator``."""


ACCELERATED_NETS = {AutoencoderNet: AcceleratedAutoencoderNet}


def accelerated(net_class):
    """The data-parallel version of ``net_class``, or a ValueError naming what has none."""
    try:
        return ACCELERATED_NETS[net_class]
    except KeyError:
        raise ValueError(
            f"accelerator is not supported for training a {net_class.__name__}; "
            "pass accelerator=None."
        ) from None
