import subprocess
import sys

import pytest

from skae._cli import main


def test_compare_prints_one_row_per_method(capsys):
    assert main(["compare", "--dataset", "iris", "--n-components", "2",
                 "--max-epochs", "5"]) == 0
    out = capsys.readouterr().out
    assert "iris: 150 samples, 4 features, 3 classes" in out
    for expected in ("raw features (KMeans only)", "PCA", "AutoencoderTransformer",
                     "test reconstruction error", "KMeans ARI", "fit time (s)"):
        assert expected in out


def test_unknown_dataset_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", "--dataset", "nope"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err


def test_runs_as_module():
    result = subprocess.run([sys.executable, "-m", "skae", "compare", "--help"],
                            capture_output=True, text=True, check=True)
    assert "--dataset" in result.stdout
