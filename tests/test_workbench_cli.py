import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import load_iris

from skae.workbench.cli import build_parser, main
from skae.workbench.compare import COLUMNS

# Tiny runs: the command's plumbing is under test here, not the models' quality.
FAST = ["--max-epochs", "2", "--cv", "2", "--labels", "30", "--quiet"]
METHODS = ["PCA", "AutoencoderTransformer", "DenoisingAutoencoder", "KMeans on raw features",
           "KMeans on PCA codes", "KMeans on AE codes", "LogisticRegression on PCA codes",
           "PretrainedAEClassifier"]


@pytest.fixture
def iris_frame():
    frame = load_iris(as_frame=True).frame
    return frame.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))


def test_compare_prints_the_table_and_writes_json(tmp_path, capsys):
    path = tmp_path / "iris.json"
    assert main(["compare", "--dataset", "iris", "--json", str(path), *FAST]) == 0
    captured = capsys.readouterr()
    for expected in [*METHODS, "best params", "test reconstruction error", "KMeans ARI",
                     "KMeans NMI", "test accuracy", "fit time (s)"]:
        assert expected in captured.out
    assert "iris: 150 samples, 4 features, 3 classes" in captured.err
    summary = json.loads(path.read_text())
    assert [row["method"] for row in summary["results"]] == METHODS
    assert set(summary["results"][0]) == set(COLUMNS)
    pca, *_, logistic, pretrained = summary["results"]
    assert pca["code size"] == 2 and pca["test reconstruction error"] > 0
    assert pca["KMeans ARI"] is None  # NaN is not JSON: figures a method lacks are null
    assert 0 <= logistic["test accuracy"] <= 1 and 0 <= pretrained["test accuracy"] <= 1
    assert summary["n_labeled"] == 30 and summary["n_test"] == 38
    assert summary["best_params"]["PCA"] == {"n_components": 2}


def test_csv_with_text_columns_is_one_hot_encoded(tmp_path, iris_frame, capsys):
    iris_frame["colour"] = np.where(iris_frame["petal_length"] > 3, "blue", "red")
    iris_frame.to_csv(tmp_path / "iris.csv", index=False)
    assert main(["compare", "--data", str(tmp_path / "iris.csv"), "--target", "target",
                 "--n-components", "3", *FAST]) == 0
    captured = capsys.readouterr()
    assert "iris.csv: 150 samples, 6 features, 3 classes" in captured.err
    assert "note: one-hot encoded the non-numeric columns colour" in captured.err
    assert "PretrainedAEClassifier" in captured.out


def test_unlabeled_npz_images_skip_the_classifiers(tmp_path, capsys):
    images = np.random.default_rng(0).random((40, 1, 4, 4))
    np.savez(tmp_path / "images.npz", X=images)
    assert main(["compare", "--data", str(tmp_path / "images.npz"), "--n-clusters", "2",
                 *FAST]) == 0
    captured = capsys.readouterr()
    assert "images.npz: 40 samples, 16 features, no labels, images 1x4x4" in captured.err
    assert "KMeans on AE codes" in captured.out
    assert "PretrainedAEClassifier" not in captured.out


def _write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, pd.DataFrame):
        content.to_csv(path, index=False)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        np.savez(path, **content)
    return str(path)


BAD_INPUTS = {
    "missing file": (lambda tmp, frame: ["--data", str(tmp / "nope.csv")],
                     r"cannot read .*nope.csv: no such file"),
    "unknown suffix": (lambda tmp, frame: ["--data", _write(tmp, "x.txt", b"1,2\n")],
                       r"unknown file type '.txt'; use .csv, .parquet or .npz"),
    "not a csv": (lambda tmp, frame: ["--data", _write(tmp, "x.csv", b"\xff\xfe\x00a\n\x81")],
                  r"cannot read .*x.csv: "),
    "missing target": (lambda tmp, frame: ["--data", _write(tmp, "x.csv", frame),
                                           "--target", "species"],
                       r"--target 'species' is not a column of .*x.csv; its columns are: "
                       r"sepal_length"),
    "free text column": (
        lambda tmp, frame: ["--data", _write(tmp, "x.csv", frame.assign(
            name=[f"plant {i}" for i in range(len(frame))])), "--target", "target"],
        r"column 'name' .* has 150 distinct values, too many to one-hot encode"),
    "missing values": (lambda tmp, frame: ["--data", _write(tmp, "x.csv", frame.assign(
        sepal_width=frame.sepal_width.where(frame.index > 2))), "--target", "target"],
        r"has 3 missing or infinite values \(in columns sepal_width\); impute"),
    "continuous target": (lambda tmp, frame: ["--data", _write(tmp, "x.csv", frame),
                                              "--target", "petal_width"],
                          r"labels of x.csv are continuous values"),
    "image shape": (lambda tmp, frame: ["--image-shape", "1,4,4"],
                    r"--image-shape 1,4,4 needs 16 features per row, but digits has 64"),
    "npz without X": (lambda tmp, frame: ["--data", _write(tmp, "x.npz", {"data": np.ones(3)})],
                      r"x.npz has no array named 'X' \(it has: data\)"),
    "empty table": (lambda tmp, frame: ["--data", _write(tmp, "x.csv", frame.iloc[:0]),
                                        "--target", "target"],
                    r"x.csv has no data \(0 rows"),
    "code too large": (lambda tmp, frame: ["--dataset", "iris", "--n-components", "4"],
                       r"--n-components 4 must lie between 1 and 3: iris has 4 features"),
    "target without data": (lambda tmp, frame: ["--target", "y"],
                            r"--target names the label column of --data FILE"),
    "scheduler without dask": (lambda tmp, frame: ["--scheduler", "tcp://localhost:1"],
                               r"--scheduler needs --backend dask"),
    "device name": (lambda tmp, frame: ["--device", "gpu0"],
                    r"--device 'gpu0' is not a torch device; use cpu, cuda, mps or auto"),
    "json folder": (lambda tmp, frame: ["--json", str(tmp / "out" / "x.json")],
                    r"--json .*x.json: the folder .*out does not exist; create it first"),
    "report folder": (lambda tmp, frame: ["--report", str(tmp / "out" / "x.html")],
                      r"--report .*x.html: the folder .*out does not exist"),
    "json is a folder": (lambda tmp, frame: ["--json", str(tmp)],
                         r"--json .* is a folder; give the name of a file in it"),
    "too many clusters": (lambda tmp, frame: ["--data", _write(tmp, "x.csv", frame.assign(
        target=np.arange(150) % 60)), "--target", "target"],
        r"KMeans cannot make 60 clusters \(the number of classes\) of the 56 rows"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_one_line_and_exit_2(case, tmp_path, iris_frame, capsys):
    arguments, message = BAD_INPUTS[case]
    assert main(["compare", *arguments(tmp_path, iris_frame), *FAST]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("skae: error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert re.search(message, lines[0]), lines[0]


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_unavailable_device_is_an_input_error(capsys):
    assert main(["compare", "--device", "cuda", *FAST]) == 2
    assert "CUDA is not available on this machine" in capsys.readouterr().err


def test_max_epochs_is_passed_on_only_when_given():
    # None lets the workbench keep the classifier's own 'auto' number of epochs.
    assert build_parser().parse_args(["compare"]).max_epochs is None
    assert build_parser().parse_args(["compare", "--max-epochs", "7"]).max_epochs == 7


def test_usage_errors_exit_2(capsys):
    for arguments, message in [(["--dataset", "nope"], "invalid choice: 'nope'"),
                               (["--image-shape", "8"], "is not C,H,W or H,W"),
                               (["--labels", "0"], "must be a positive integer"),
                               (["--cv", "1"], "a grid search needs at least 2 folds"),
                               (["--n-jobs", "0"], "(-1: all cores), not 0")]:
        with pytest.raises(SystemExit) as exit_info:
            main(["compare", *arguments])
        assert exit_info.value.code == 2
        assert message in capsys.readouterr().err


def test_runs_as_module_and_console_script():
    for command in ([sys.executable, "-m", "skae"], ["skae"]):
        result = subprocess.run([*command, "compare", "--help"], capture_output=True,
                                text=True, check=True)
        for option in ("--dataset", "--data", "--image-shape", "--report", "--backend"):
            assert option in result.stdout


def test_dask_backend_runs_the_searches_on_the_cluster(capsys):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        assert not cluster.scheduler.task_prefixes
        assert main(["compare", "--dataset", "iris", "--backend", "dask", "--scheduler",
                     cluster.scheduler_address, *FAST]) == 0
        assert cluster.scheduler.task_prefixes  # the grid searches' batches ran there
    captured = capsys.readouterr()
    assert f"dask: 2 workers at {cluster.scheduler_address}" in captured.err
    assert "PretrainedAEClassifier" in captured.out


def test_dask_backend_starts_a_local_cluster(capsys):
    pytest.importorskip("distributed")
    assert main(["compare", "--dataset", "iris", "--backend", "dask", "--n-jobs", "1",
                 *FAST]) == 0
    assert re.search(r"dask: 1 worker at tcp://127\.0\.0\.1:\d+", capsys.readouterr().err)


def test_unreachable_scheduler_is_an_input_error(capsys):
    pytest.importorskip("distributed")
    assert main(["compare", "--backend", "dask", "--scheduler", "tcp://127.0.0.1:9",
                 *FAST]) == 2
    assert "cannot reach the dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err
