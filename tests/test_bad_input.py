"""Bad and edge inputs: every public estimator either refuses them with a clear error or
returns finite output. Each defect once found here has a regression test of its own; the
property-based suite at the end feeds generated inputs to every estimator and method."""

import re

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import LRScheduler

from skae import (
    AutoencoderOutlierDetector,
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
    with pytest.raises(ValueError, match=f"{Estimator.__name__} cannot take X: its values "
                                         f"reach .* squares {what} float32"):
        Estimator(2, **TINY).fit(sp.csr_matrix(X) if sparse else X)


@pytest.mark.parametrize("Estimator", AUTOENCODERS)
def test_inference_refuses_values_whose_squares_overflow_float32(Estimator):
    # Regression: the variational autoencoder's score_samples was NaN for them.
    model = Estimator(2, **TINY).fit(_rows())
    for method in ("transform", "score_samples"):
        with pytest.raises(ValueError, match=f"{Estimator.__name__} cannot take X: its values "
                                             "reach .* squares overflow float32"):
            getattr(model, method)(_rows() * 1e30)
    assert np.isfinite(model.score_samples(_rows() * 1e-30)).all()


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


# -- the property-based suite -----------------------------------------------------------
#
# Every estimator is fitted once on clean rows (module fixture); the generated inputs then
# go to fit / partial_fit of fresh clones and to every inference method of the fitted
# ones. The outcome must be one of two: a ValueError or TypeError whose message names the
# estimator called (or is one of sklearn's own validation messages, which name no
# estimator for some inputs), or finite output.

N_FEATURES = 4
# sklearn's validation messages (check_array's), which name no estimator for these inputs
# or where skae validates with check_array alone (inverse_transform, the codes it takes).
SKLEARN_MESSAGES = ("Input X contains infinity", "Input contains infinity",
                    "Input contains NaN", "Complex data not supported",
                    "could not convert string to float", "Sparse data was passed, but dense",
                    "Found array with 0 sample(s) (shape=(0,", "is expecting 4 features")


def _estimators():
    """name -> unfitted estimator, with tiny training."""
    return {
        "AutoencoderTransformer": AutoencoderTransformer(2, **TINY),
        "DenoisingAutoencoder": DenoisingAutoencoder(2, **TINY),
        "VariationalAutoencoder": VariationalAutoencoder(2, **TINY),
        "PretrainedAEClassifier": PretrainedAEClassifier(
            AutoencoderTransformer(2, **TINY), max_epochs=2, batch_size=8,
            early_stopping=False, random_state=0),
        "AutoencoderOutlierDetector": AutoencoderOutlierDetector(
            AutoencoderTransformer(2, **TINY), random_state=0),
    }


INFERENCE = {
    "AutoencoderTransformer": ["transform", "inverse_transform", "score", "score_samples"],
    "DenoisingAutoencoder": ["transform", "inverse_transform", "score", "score_samples"],
    "VariationalAutoencoder": ["transform", "inverse_transform", "score", "score_samples"],
    "PretrainedAEClassifier": ["predict", "predict_proba", "transform", "score"],
    "AutoencoderOutlierDetector": ["predict", "score_samples", "decision_function"],
}
# The detector delegates to the autoencoder it wraps, whose class the user chose: its
# messages name that class.
NAMES = {"AutoencoderOutlierDetector": ("AutoencoderOutlierDetector",
                                        "AutoencoderTransformer")}


@pytest.fixture(scope="module")
def fitted():
    X, y = _rows(), np.tile([0, 1, -1, -1], 6)
    return {name: (estimator.fit(X, y) if name == "PretrainedAEClassifier"
                   else estimator.fit(X))
            for name, estimator in _estimators().items()}


def _as(kind, X):
    """``X`` (a float64 array) in the container or dtype ``kind``."""
    if kind == "dense":
        return X
    if kind in ("coo", "csr", "csc"):
        duplicated = sp.coo_matrix((np.r_[X.ravel(), X.ravel()],
                                    (np.repeat(np.r_[np.arange(X.shape[0]),
                                                     np.arange(X.shape[0])], X.shape[1]),
                                     np.tile(np.arange(X.shape[1]), 2 * X.shape[0]))),
                                   shape=X.shape)
        return duplicated.asformat(kind)
    if kind == "str":
        return X.astype(str)
    if kind == "object":
        return X.astype(object)
    if kind == "complex":
        return X.astype(complex)
    if kind == "bool":
        return X > 0
    if kind == "words":
        return np.full(X.shape, "a", dtype=object)
    raise AssertionError(kind)


@st.composite
def bad_inputs(draw):
    """A dict of the input's recipe (for failure reports) and the input itself."""
    shape = draw(st.sampled_from([(24, N_FEATURES), (0, N_FEATURES), (1, N_FEATURES),
                                  (24, 1), (24, 3), (24, 5), (2, N_FEATURES)]))
    values = np.random.default_rng(draw(st.integers(0, 3))).normal(size=shape)
    scale = draw(st.sampled_from([1.0, 1e30, 1e-30, 1e20, 1e-20, 1e6]))
    values = values * scale
    special = draw(st.sampled_from([None, np.nan, np.inf, -np.inf]))
    if special is not None and values.size:
        values[0, 0] = special
    kind = draw(st.sampled_from(["dense", "coo", "csr", "csc", "str", "object", "complex",
                                 "bool", "words"]))
    recipe = dict(shape=shape, scale=scale, special=special, kind=kind)
    return recipe, _as(kind, values)


def _check_outcome(name, call, training=False):
    """Run ``call``: it must raise a clear ValueError / TypeError or return finite values.

    In training, the divergence guard's FloatingPointError counts as clear too: its
    message says that the loss diverged and what to do.
    """
    try:
        out = call()
    except FloatingPointError as exc:
        assert training and re.match(rf"{name}: the (training loss|weights) became",
                                     str(exc)), str(exc)
        return "error"
    except (ValueError, TypeError) as exc:
        message = str(exc)
        named = any(n in message for n in NAMES.get(name, (name,)))
        assert named or any(m in message for m in SKLEARN_MESSAGES), (
            f"{type(exc).__name__} names no estimator: {message}")
        return "error"
    values = np.asarray(out, dtype=np.float64) if not np.isscalar(out) else np.float64(out)
    assert np.isfinite(values).all(), f"non-finite output: {out}"
    return "finite"



@pytest.mark.parametrize("name", list(INFERENCE))
@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(generated=bad_inputs(), method=st.sampled_from(["fit", "partial_fit"]))
def test_training_on_bad_input_refuses_clearly_or_gives_finite_output(name, generated,
                                                                       method):
    _, X = generated
    estimator = _estimators()[name]
    if not hasattr(estimator, method):
        method = "fit"
    n_samples = X.shape[0]
    y = np.tile([0, 1, -1, -1], 7)[:n_samples] if name == "PretrainedAEClassifier" else None
    kwargs = {"classes": [0, 1]} if method == "partial_fit" and y is not None else {}

    def train_and_use():
        fitted = getattr(estimator, method)(X, y, **kwargs)
        use = fitted.predict_proba if y is not None else (
            fitted.score_samples if hasattr(fitted, "score_samples") else fitted.transform)
        return use(X)

    _check_outcome(name, train_and_use, training=True)


@pytest.mark.parametrize("name", list(INFERENCE))
@settings(max_examples=250, deadline=None, derandomize=True)
@given(generated=bad_inputs(), index=st.integers(0, 3))
def test_inference_on_bad_input_refuses_clearly_or_gives_finite_output(fitted, name,
                                                                        generated, index):
    recipe, X = generated
    estimator = fitted[name]
    method = INFERENCE[name][index % len(INFERENCE[name])]
    # A known defect, pinned by test_variational_scores_of_large_rows_are_finite.
    if method == "score" and name == "PretrainedAEClassifier":
        call = lambda: estimator.score(X, np.tile([0, 1], 12)[:X.shape[0]])  # noqa: E731
    else:
        call = lambda: getattr(estimator, method)(X)  # noqa: E731
    _check_outcome(name, call)


def test_variational_scores_of_large_rows_are_finite():
    model = VariationalAutoencoder(2, **TINY).fit(_rows())
    assert np.isfinite(model.score_samples(_rows() * 1e3)).all()
