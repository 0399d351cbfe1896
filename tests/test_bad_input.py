"""Bad and edge inputs: every public estimator either refuses them with a clear error or
returns finite output. Each defect once found here has a regression test of its own; the
property-based suite at the end feeds generated inputs to every estimator and method."""

import re

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import LRScheduler

from skae import (
    AutoencoderTransformer,
    DenoisingAutoencoder,
    PretrainedAEClassifier,
    VariationalAutoencoder,
)

TINY = dict(hidden_layer_sizes=(4,), max_epochs=2, batch_size=8, early_stopping=False,
            random_state=0)
AUTOENCODERS = [AutoencoderTransformer, DenoisingAutoencoder, VariationalAutoencoder]


def _rows(n_samples=24, n_features=4, seed=0):
    return np.random.default_rng(seed).normal(size=(n_samples, n_features)).astype(np.float32)


# -- regression tests -------------------------------------------------------------------

@pytest.mark.parametrize("Estimator", AUTOENCODERS)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_one_row_is_refused_as_pca_refuses_it(Estimator, method):
    message = f"1 sample.*minimum of 2 is required by {Estimator.__name__}"
    with pytest.raises(ValueError, match=message):
        getattr(Estimator(2, **TINY), method)(_rows(1))


def test_one_row_more_for_a_fitted_model_is_fine():
    ae = AutoencoderTransformer(2, **TINY).fit(_rows())
    assert ae.partial_fit(_rows(1)).n_iter_ == 3


@pytest.mark.parametrize("Estimator", AUTOENCODERS)
@pytest.mark.parametrize("scale, what", [(1e30, "overflow"), (1e-30, "underflow")])
@pytest.mark.parametrize("sparse", [False, True])
def test_values_whose_squares_leave_float32_are_refused(Estimator, scale, what, sparse):
    X = _rows() * scale
    with pytest.raises(ValueError, match=f"{Estimator.__name__} cannot train on X: its values "
                                         f"reach .* squares in the loss {what} float32"):
        Estimator(2, **TINY).fit(sp.csr_matrix(X) if sparse else X)


def test_all_zero_rows_are_no_scale_problem():
    ae = AutoencoderTransformer(2, **TINY).fit(np.zeros((24, 4), np.float32))
    assert np.isfinite(ae.transform(_rows())).all()


@pytest.mark.parametrize("callbacks, shown", [
    (["x"], "callbacks[0] is 'x'"),
    ([LRScheduler(), ("lr", 3)], "callbacks[1] is ('lr', 3)"),
    ([(3, LRScheduler())], "callbacks[0] is (3, "),
])
@pytest.mark.parametrize("Estimator", [AutoencoderTransformer, PretrainedAEClassifier])
def test_callbacks_that_are_not_skorch_callbacks_are_named(Estimator, callbacks, shown):
    estimator = Estimator(callbacks=callbacks)
    message = (f"{Estimator.__name__}: callbacks must hold skorch callbacks or "
               rf"\(name, callback\) pairs, but {re.escape(shown)}")
    with pytest.raises(TypeError, match=message):
        estimator.fit(_rows(), np.tile([0, 1], 12))


def test_callback_classes_and_pairs_given_as_lists_are_taken():
    ae = AutoencoderTransformer(2, callbacks=[LRScheduler, ["step", LRScheduler()]],
                                **TINY).fit(_rows())
    assert {"LRScheduler", "step"} <= set(dict(ae.net_.callbacks_))


def test_set_params_reaches_callbacks_by_name_through_clone_and_grids():
    unnamed = AutoencoderTransformer(
        2, callbacks=[LRScheduler(policy="StepLR", step_size=1)], **TINY)
    unnamed.set_params(callbacks__LRScheduler__step_size=4)
    assert dict(clone(unnamed).fit(_rows()).net_.callbacks_)["LRScheduler"].step_size == 4
    named = AutoencoderTransformer(
        2, callbacks=[("lr", LRScheduler(policy="StepLR", step_size=1))], **TINY)
    grid = GridSearchCV(named, {"callbacks__lr__step_size": [2, 3]}, cv=2).fit(_rows())
    assert grid.best_params_["callbacks__lr__step_size"] in (2, 3)
    assert dict(grid.best_estimator_.net_.callbacks_)["lr"].lr_scheduler_.step_size in (2, 3)
