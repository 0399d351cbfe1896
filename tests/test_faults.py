"""Faults in training: a failed or interrupted fit raises and leaves the model as it was.

Errors, Ctrl-C and non-finite weights are injected at a random training step of every
estimator, through ``fit``, ``partial_fit`` and warm-started refits; seeded fits run in
threads; a fit that ``max_epochs`` ends short of convergence says so.
"""

import copy
import threading
import warnings

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import Callback, EarlyStopping

from skae import (
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    DenoisingAutoencoder,
    PretrainedAEClassifier,
    VariationalAutoencoder,
)

# 24 rows in batches of 8: three steps an epoch, two epochs a fit.
TINY = dict(hidden_layer_sizes=(4,), max_epochs=2, batch_size=8, early_stopping=False,
            random_state=0)
STEPS = {"fit": 6, "warm_start": 6, "partial_fit": 3}


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # two epochs, by design
        yield


def _data():
    rng = np.random.default_rng(0)
    X = (rng.normal(size=(24, 2)) @ rng.normal(size=(2, 6))).astype(np.float32)
    return X, np.arange(24) % 2


class Fault(Callback):
    """At training step ``at``: raise ``error`` (a class), or with ``error=None`` make
    the weights nan, as a diverging step does."""

    def __init__(self, at=0, error=None):
        self.at = at
        self.error = error

    def initialize(self):
        self.steps_ = 0
        return self

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        if not training:
            return
        if self.steps_ == self.at:
            if self.error is not None:
                raise self.error("injected")
            with torch.no_grad():
                next(net.module_.parameters()).fill_(float("nan"))
        self.steps_ += 1


def _ae(cls=AutoencoderTransformer, **params):
    return cls(2, **{**TINY, **params})


ESTIMATORS = {
    "AutoencoderTransformer": lambda: _ae(),
    "DenoisingAutoencoder": lambda: _ae(DenoisingAutoencoder, noise="gaussian",
                                        noise_level=0.1),
    "VariationalAutoencoder": lambda: _ae(VariationalAutoencoder),
    "PretrainedAEClassifier": lambda: PretrainedAEClassifier(
        _ae(), **{k: v for k, v in TINY.items() if k != "hidden_layer_sizes"}),
    "AutoencoderOutlierDetector": lambda: AutoencoderOutlierDetector(_ae(),
                                                                     contamination=0.1),
}
# Who trains, as the divergence error names it.
TRAINER = {**{name: name for name in ESTIMATORS},
           "AutoencoderOutlierDetector": "AutoencoderTransformer"}


def _fault_params(estimator, fault):
    """The parameters that put ``fault`` (or, with None, nothing) in the training."""
    callbacks = None if fault is None else [fault]
    if isinstance(estimator, AutoencoderOutlierDetector):
        return {"autoencoder__callbacks": callbacks}
    return {"callbacks": callbacks}


def _nets(estimator):
    """Every fitted skorch net inside ``estimator``, by where it is."""
    nets = {}
    if hasattr(estimator, "net_"):
        nets["net_"] = estimator.net_
    inner = getattr(estimator, "autoencoder_", None)
    if inner is not None:
        nets.update({f"autoencoder_.{k}": v for k, v in _nets(inner).items()})
    return nets


def _snapshot(estimator):
    return dict(
        params=estimator.get_params(deep=False), attributes=dict(vars(estimator)),
        weights={where: {k: v.clone() for k, v in net.module_.state_dict().items()}
                 for where, net in _nets(estimator).items()},
        epochs={where: len(net.history) for where, net in _nets(estimator).items()})


def _assert_unchanged(estimator, before):
    after = _snapshot(estimator)
    assert after["params"].keys() == before["params"].keys()
    assert all(after["params"][k] is v or after["params"][k] == v
               for k, v in before["params"].items())
    assert after["attributes"].keys() == before["attributes"].keys()
    assert all(after["attributes"][k] is v for k, v in before["attributes"].items())
    assert after["epochs"] == before["epochs"]
    assert after["weights"].keys() == before["weights"].keys()
    for where, weights in before["weights"].items():
        for name, tensor in weights.items():
            assert torch.equal(after["weights"][where][name], tensor), (where, name)


def _output(estimator, X):
    if isinstance(estimator, PretrainedAEClassifier):
        return estimator.predict_proba(X)
    if isinstance(estimator, AutoencoderOutlierDetector):
        return estimator.decision_function(X)
    return estimator.transform(X)


def _refit(estimator, how, X, y):
    return estimator.partial_fit(X, y) if how == "partial_fit" else estimator.fit(X, y)


FITTED = {}


def _fitted(name):
    """One fitted model per estimator: a failed fit leaves it as it was, so the examples
    share it (and a fault that changed it would show in the next example)."""
    if name not in FITTED:
        X, y = _data()
        FITTED[name] = ESTIMATORS[name]().fit(X, y)
    return FITTED[name]


CASES = [(name, how) for name in ESTIMATORS for how in STEPS
         if name != "AutoencoderOutlierDetector" or how == "fit"]


@pytest.mark.parametrize("name, how", CASES)
@settings(max_examples=4, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(step=st.integers(0, 5), error=st.sampled_from([None, RuntimeError, KeyboardInterrupt]))
def test_a_fault_at_any_step_leaves_the_fitted_model_as_it_was(name, how, step, error):
    X, y = _data()
    estimator = _fitted(name)
    expected = _output(estimator, X)
    estimator.set_params(**_fault_params(estimator, Fault(step % STEPS[how], error)),
                         **({"warm_start": True} if how == "warm_start" else {}))
    try:
        before = _snapshot(estimator)
        if error is None:
            raises = pytest.raises(FloatingPointError,
                                   match=f"{TRAINER[name]}: the (training loss|weights) "
                                         "became nan at epoch")
        else:
            raises = pytest.raises(error, match="injected")
        with raises:
            _refit(estimator, how, X, y)
        _assert_unchanged(estimator, before)
    finally:
        estimator.set_params(**_fault_params(estimator, None),
                             **({"warm_start": False} if how == "warm_start" else {}))
    np.testing.assert_array_equal(_output(estimator, X), expected)
    # Still usable: it trains on.
    usable = copy.deepcopy(estimator)
    if how == "partial_fit":
        usable.partial_fit(X, y)
        assert usable.net_.history[-1]["epoch"] == estimator.net_.history[-1]["epoch"] + 1
    else:
        assert np.isfinite(_output(usable.fit(X, y), X)).all()


def test_a_fault_in_the_classifiers_pretraining_leaves_it_as_it_was():
    X, y = _data()
    classifier = _fitted("PretrainedAEClassifier")
    classifier = classifier.set_params(autoencoder__callbacks=[Fault(4, KeyboardInterrupt)])
    before = _snapshot(classifier)
    try:
        with pytest.raises(KeyboardInterrupt):
            classifier.fit(X, y)
        _assert_unchanged(classifier, before)
    finally:
        classifier.set_params(autoencoder__callbacks=None)


# -- divergence on the last step -------------------------------------------------------


@pytest.mark.parametrize("how", ["fit", "partial_fit"])
def test_a_one_batch_epoch_whose_step_diverges_raises(how):
    # The loss before the only step is finite; the step sends the weights to inf.
    X = np.random.default_rng(0).normal(size=(40, 6)).astype(np.float32)
    model = AutoencoderTransformer(2, hidden_layer_sizes=(4,), max_epochs=1, batch_size=64,
                                   early_stopping=False, optimizer="sgd", lr=1e36,
                                   random_state=0)
    with pytest.raises(FloatingPointError,
                       match="AutoencoderTransformer: the weights became (inf|nan) at epoch 1"):
        getattr(model, how)(X * 1e3)
    assert not hasattr(model, "net_")


@pytest.mark.parametrize("name", ESTIMATORS)
def test_divergence_on_the_very_last_step_raises(name):
    X, y = _data()
    estimator = ESTIMATORS[name]()
    estimator.set_params(**_fault_params(estimator, Fault(STEPS["fit"] - 1)))
    with pytest.raises(FloatingPointError, match=f"{TRAINER[name]}: the weights became nan"):
        estimator.fit(X, y)
    assert not hasattr(estimator, "net_") and not hasattr(estimator, "offset_")


def test_the_detector_refuses_an_autoencoder_that_scores_nan():
    class Diverged(BaseEstimator):
        n_features_in_ = 6

        def fit(self, X, y=None):
            return self

        def score_samples(self, X):
            return np.full(len(X), np.nan)

        def reconstruct(self, X):
            return X

    with pytest.raises(ValueError, match="Diverged scores 24 of the 24 training rows as nan"):
        AutoencoderOutlierDetector(Diverged()).fit(_data()[0])


# -- Ctrl-C ----------------------------------------------------------------------------


class InterruptAt(Callback):
    """Ctrl-C at the end of epoch ``epoch``, counting the fits it sees across clones."""

    fits = 0

    def __init__(self, epoch=1):
        self.epoch = epoch

    def on_train_begin(self, net, **kwargs):
        type(self).fits += 1

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            raise KeyboardInterrupt


@pytest.mark.parametrize("epoch", [1, 2])
def test_ctrl_c_propagates_and_leaves_the_estimator_unfitted(epoch):
    # An interrupt in epoch 1 surfaced as KeyError: 'train_loss'; later, fit returned the
    # model of the epochs done as a fitted one.
    X, _ = _data()
    model = _ae(max_epochs=3, callbacks=[InterruptAt(epoch)])
    with pytest.raises(KeyboardInterrupt) as interrupt:
        model.fit(X)
    assert "AutoencoderTransformer is left as it was" in interrupt.value.__notes__[0]
    assert not hasattr(model, "net_") and not hasattr(model, "n_iter_")


def test_ctrl_c_stops_a_grid_search_at_the_fit_it_interrupts():
    X, _ = _data()
    InterruptAt.fits = 0
    search = GridSearchCV(_ae(callbacks=[InterruptAt(1)]), {"lr": [1e-3, 1e-2]}, cv=2)
    with pytest.raises(KeyboardInterrupt):
        search.fit(X)
    assert InterruptAt.fits == 1


@pytest.mark.parametrize("early_stopping", [True, False])
def test_early_stopping_still_ends_training_quietly(early_stopping):
    # skorch's EarlyStopping ends training by raising KeyboardInterrupt too.
    X = np.vstack([_data()[0]] * 4)
    callbacks = None if early_stopping else [EarlyStopping("train_loss", patience=1, threshold=1e9)]
    model = _ae(max_epochs=50, early_stopping=early_stopping, n_iter_no_change=1, tol=1e9,
                callbacks=callbacks).fit(X)
    assert model.n_iter_ < 50


# -- threads ---------------------------------------------------------------------------


class Rendezvous(Callback):
    """Each fit waits at the end of its first epoch for the other, so that unguarded fits
    in threads interleave their draws; a guarded one waits in vain (a second, at most)."""

    def __init__(self, barrier=None):
        self.barrier = barrier

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == 1:
            try:
                self.barrier.wait(timeout=1)
            except threading.BrokenBarrierError:
                pass


def test_seeded_fits_in_threads_give_what_they_give_alone():
    X, _ = _data()
    models = [_ae(DenoisingAutoencoder, noise="masking", noise_level=0.3, dropout=0.2,
                  max_epochs=3), _ae(max_epochs=3, dropout=0.2, random_state=1)]
    alone = [copy.deepcopy(model).fit(X).transform(X) for model in models]
    torch.manual_seed(123)
    state = torch.get_rng_state()
    barrier = threading.Barrier(2)
    for model in models:
        model.set_params(callbacks=[Rendezvous(barrier)])
    threads = [threading.Thread(target=model.fit, args=(X,)) for model in models]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for model, codes in zip(models, alone, strict=True):
        np.testing.assert_array_equal(model.transform(X), codes)
    assert torch.equal(torch.get_rng_state(), state)  # the caller's generator is untouched


# -- convergence -----------------------------------------------------------------------


def test_max_epochs_that_end_a_fit_still_improving_warn():
    X, y = _data()
    with pytest.warns(ConvergenceWarning,
                      match="AutoencoderTransformer: max_epochs=2 ended training"):
        model = _ae().fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.partial_fit(X)  # one epoch, by request
        # The stopping rule ends it first.
        _ae(max_epochs=50, n_iter_no_change=1, tol=1e9).fit(X)
    with pytest.warns(ConvergenceWarning, match="PretrainedAEClassifier: max_epochs=2"):
        ESTIMATORS["PretrainedAEClassifier"]().fit(X, y)


def test_best_loss_and_validation_scores_as_mlp():
    X = np.vstack([_data()[0]] * 4)
    plain = _ae().fit(X)
    assert plain.best_loss_ == min(plain.loss_curve_)
    assert plain.best_validation_score_ is None and plain.validation_scores_ is None
    held = _ae(early_stopping=True).fit(X)
    assert held.best_loss_ is None
    assert held.best_validation_score_ == max(held.validation_scores_)
    classifier = ESTIMATORS["PretrainedAEClassifier"]().fit(X, np.arange(len(X)) % 2)
    assert classifier.best_loss_ == min(classifier.loss_curve_)
