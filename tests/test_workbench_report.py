import base64
import re
import shutil
import subprocess

import numpy as np
import pytest

from skae.workbench.cli import main
from skae.workbench.compare import Workbench
from skae.workbench.inputs import Dataset, load_dataset

pytest.importorskip("matplotlib")

from skae.workbench.report import write_report

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@pytest.fixture(scope="module")
def digits_report(tmp_path_factory):
    digits = load_dataset("digits")
    small = Dataset("digits", digits.X[:240], digits.y[:240], digits.feature_names, (1, 8, 8))
    workbench = Workbench(small, n_labels=60, max_epochs=2, cv=2, random_state=0)
    workbench.run(progress=False)
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_report(workbench, path, command="skae compare --report report.html")
    return workbench, path.read_text(encoding="utf-8"), path


def test_report_is_self_contained(digits_report):
    _, page, _ = digits_report
    images = re.findall(r"<img alt='figure' src='data:image/png;base64,([^']+)'>", page)
    # loss curves, error vs code size, 2-D codes, image grid
    assert len(images) == 4
    for data in images:
        assert base64.b64decode(data).startswith(b"\x89PNG")
    assert not re.search(r"(src|href)=['\"]?(https?:|//)", page)
    assert "<code>skae compare --report report.html</code>" in page


def test_report_holds_the_table_and_architectures(digits_report):
    workbench, page, _ = digits_report
    for method in workbench.table()["method"]:
        assert f"<td>{method}</td>" in page
    for network in ("AutoencoderTransformer", "DenoisingAutoencoder", "PretrainedAEClassifier"):
        assert f"<h3>{network}</h3>" in page
    autoencoder = workbench.best("AutoencoderTransformer")
    n_params = sum(p.numel() for p in autoencoder.net_.module_.parameters())
    assert f"{n_params:,} parameters" in page
    assert "Images: original, noisy, reconstructed" in page


def test_tabular_report_without_labels(tmp_path):
    iris = load_dataset("iris")
    workbench = Workbench(Dataset("iris", iris.X, None, list("abcd")), n_clusters=3,
                          max_epochs=2, cv=2, random_state=0)
    workbench.run(progress=False)
    write_report(workbench, tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.count("<img") == 3  # no image grid for tabular data
    assert "PretrainedAEClassifier" not in page


def test_report_from_the_command_line(tmp_path, capsys):
    report = tmp_path / "wine.html"
    assert main(["compare", "--dataset", "wine", "--max-epochs", "2", "--cv", "2", "--quiet",
                 "--report", str(report)]) == 0
    assert f"wrote {report}" in capsys.readouterr().err
    assert "wine: 178 samples, 13 features, 3 classes" in report.read_text(encoding="utf-8")


def test_missing_matplotlib_is_an_input_error(monkeypatch, capsys):
    monkeypatch.setitem(__import__("sys").modules, "matplotlib", None)
    assert main(["compare", "--report", "r.html", "--quiet"]) == 2
    assert "--report needs matplotlib: pip install 'skae[plot]'" in capsys.readouterr().err


@pytest.mark.skipif(not any(map(shutil.which, BROWSERS)),
                    reason="needs a headless Chromium (apt-get install chromium)")
def test_report_renders_in_headless_chromium(digits_report, tmp_path):
    from matplotlib.image import imread

    browser = next(filter(None, map(shutil.which, BROWSERS)))
    _, _, path = digits_report
    screenshot = tmp_path / "report.png"
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--hide-scrollbars", f"--screenshot={screenshot}", "--window-size=1200,4000",
         path.as_uri()],
        capture_output=True, timeout=180, check=True)
    pixels = imread(screenshot)
    assert pixels.shape[:2] == (4000, 1200)
    rows_drawn = np.flatnonzero((pixels[..., :3] < 0.9).any(axis=(1, 2)))
    # The page reaches well down the 4000 px window: text, tables and four figures.
    assert rows_drawn.max() - rows_drawn.min() > 2000
    assert len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 50
