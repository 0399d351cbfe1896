"""The README's usage examples run as printed, one after the other."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_usage_examples_run(capsys):
    usage = README.read_text().split("## Usage", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", usage, re.S)
    assert len(blocks) == 3
    namespace = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    printed = capsys.readouterr().out.splitlines()
    assert "'reduce__n_components'" in printed[0]
    assert float(printed[1]) > 0.8
    # The grid over PCA and an autoencoder, ranked on one scale, picks the autoencoder.
    search = namespace["search"]
    assert type(search.best_params_["reduce"]).__name__ == "AutoencoderTransformer"
    assert search.best_score_ > max(search.cv_results_["mean_test_score"][:1])
