"""A layer-by-layer summary of a module: what runs, the shape it outputs, its parameters."""

from functools import partial

import torch


def layer_summary(module, example):
    """Run ``module`` on ``example`` in eval mode and describe every leaf layer it calls.

    Identity layers (placeholders for a missing activation) are left out.

    Parameters
    ----------
    module : torch.nn.Module
        The network; its training mode is restored afterwards.
    example : torch.Tensor
        An input batch (the batch size is left out of the shapes reported).

    Returns
    -------
    layers : list of tuple
        ``(name, layer type, output shape without the batch, parameter count)`` per leaf
        call, in call order. Parameters shared with an earlier layer (tied weights) are
        counted once, where they first appear.

    Examples
    --------
    >>> import torch
    >>> from skae.modules import DenseEncoder, layer_summary
    >>> for row in layer_summary(DenseEncoder(6, 2, (4,)), torch.zeros(1, 6)):
    ...     print(row)
    ('layers.0.0', 'Linear', (4,), 28)
    ('layers.0.1', 'ReLU', (4,), 0)
    ('layers.1.0', 'Linear', (2,), 10)
    """
    rows, seen, hooks = [], set(), []

    def record(name, layer, inputs, output):
        if isinstance(output, tuple | list):  # recurrent layers return (output, state)
            output = output[0]
        new = [p for p in layer.parameters(recurse=False) if id(p) not in seen]
        seen.update(id(p) for p in new)
        rows.append((name, type(layer).__name__, tuple(output.shape[1:]),
                     sum(p.numel() for p in new)))

    for name, layer in module.named_modules():
        if next(layer.children(), None) is None and not isinstance(layer, torch.nn.Identity):
            hooks.append(layer.register_forward_hook(partial(record, name)))
    training = module.training
    try:
        module.eval()
        with torch.no_grad():
            module(example)
    finally:
        module.train(training)
        for hook in hooks:
            hook.remove()
    return rows
