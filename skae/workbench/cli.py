"""``skae compare``: PCA, autoencoders, KMeans and classifiers side by side on one dataset."""

import argparse
import contextlib
import json
import os
import shlex
import sys
import time

import torch

from .compare import Workbench
from .inputs import BUNDLED, InputError, load_dataset, parse_image_shape

EPILOG = """\
Every method is tuned by its own GridSearchCV on the training rows (75%%) and scored on the
held-out rows. Examples:
  skae compare --report report.html
  skae compare --dataset wine --json wine.json
  skae compare --data digits.npz --image-shape 1,8,8 --labels 50
  skae compare --data customers.csv --target churned --n-jobs 4
  skae compare --backend dask --scheduler tcp://10.0.0.5:8786
"""


def build_parser():
    parser = argparse.ArgumentParser(prog="skae", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "compare", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        help="compare PCA, autoencoders, KMeans and classifiers on a dataset",
        description="Compare PCA, AutoencoderTransformer, DenoisingAutoencoder, KMeans on "
                    "raw features and on codes, and (with labels) PretrainedAEClassifier "
                    "against LogisticRegression on PCA codes, on one dataset.")
    data = run.add_argument_group("data")
    data.add_argument("--dataset", choices=sorted(BUNDLED), default="digits",
                      help="a dataset bundled with scikit-learn (default: digits)")
    data.add_argument("--data", metavar="FILE",
                      help=".csv or .parquet table (features and --target column), or .npz "
                           "with arrays X and optional y; replaces --dataset")
    data.add_argument("--target", metavar="COLUMN",
                      help="label column of a table (key of the labels in an .npz, default "
                           "y); -1 marks unlabeled rows; omit for unlabeled data")
    data.add_argument("--image-shape", metavar="C,H,W", type=_image_shape,
                      help="rows are flattened images of this shape (H,W for grey)")
    model = run.add_argument_group("models")
    model.add_argument("--n-components", type=int, default=None,
                       help="code size of every method (default: 8, or fewer for narrow data)")
    model.add_argument("--labels", type=_positive, default=100, metavar="N",
                       help="labeled training rows the classifiers get (default: 100)")
    model.add_argument("--n-clusters", type=_positive, default=None,
                       help="KMeans clusters (default: the number of classes, else 8)")
    model.add_argument("--max-epochs", type=_positive, default=None,
                       help="most training epochs of every network (default: 100 for the "
                            "autoencoders, the classifier's own 'auto' for fine-tuning, "
                            "10 to 100); early stopping usually ends sooner")
    model.add_argument("--cv", type=_folds, default=3,
                       help="folds of every grid search, at least 2 (default: 3)")
    model.add_argument("--device", default="cpu", help="torch device: cpu, cuda, mps, auto")
    model.add_argument("--random-state", type=int, default=0)
    out = run.add_argument_group("output and execution")
    out.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    out.add_argument("--report", metavar="FILE",
                     help="also write a self-contained HTML report (needs matplotlib)")
    out.add_argument("--n-jobs", type=_n_jobs, default=None,
                     help="parallel jobs of every grid search (-1: all cores)")
    out.add_argument("--backend", choices=("loky", "dask"), default="loky",
                     help="joblib backend; dask runs the searches on a dask.distributed "
                          "cluster")
    out.add_argument("--scheduler", metavar="ADDRESS",
                     help="dask scheduler to use (default: a LocalCluster on this machine)")
    out.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv=None):
    """Run ``skae``; bad input prints one ``skae: error:`` line and returns 2."""
    args = build_parser().parse_args(argv)
    try:
        return _compare(args, argv)
    except InputError as exc:
        print(f"skae: error: {exc}", file=sys.stderr)
        return 2


def _compare(args, argv):
    if args.scheduler and args.backend != "dask":
        raise InputError("--scheduler needs --backend dask.")
    if args.target and not args.data:
        raise InputError("--target names the label column of --data FILE; the bundled "
                         "datasets come with their labels.")
    _check_device(args.device)
    if args.report:
        _check_matplotlib()
    for option, path in (("--json", args.json), ("--report", args.report)):
        _check_output(option, path)
    dataset = load_dataset(args.dataset, args.data, args.target, args.image_shape)
    print(dataset.describe(), file=sys.stderr)
    for note in dataset.notes:
        print(f"note: {note}", file=sys.stderr)
    workbench = Workbench(dataset, n_components=args.n_components, max_epochs=args.max_epochs,
                          cv=args.cv, n_labels=args.labels, n_clusters=args.n_clusters,
                          n_jobs=args.n_jobs, device=args.device,
                          random_state=args.random_state)
    start = time.perf_counter()
    with _backend(args):
        table = workbench.run(progress=not args.quiet)
    elapsed = time.perf_counter() - start
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}", na_rep="-"))
    print(f"{dataset.describe()}; {len(workbench.X_test)} test rows; {elapsed:.1f} s",
          file=sys.stderr)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as file:
            json.dump(workbench.summary(), file, indent=2, allow_nan=False)
        print(f"wrote {args.json}", file=sys.stderr)
    if args.report:
        from .report import write_report

        command = "skae " + shlex.join(sys.argv[1:] if argv is None else argv)
        write_report(workbench, args.report, command=command)
        print(f"wrote {args.report}", file=sys.stderr)
    return 0


@contextlib.contextmanager
def _backend(args):
    """joblib's default backend, or Dask's on a scheduler (a local cluster if none given)."""
    if args.backend != "dask":
        yield
        return
    try:
        import joblib
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise InputError(f"--backend dask needs dask.distributed ({exc}); "
                         "pip install 'skae[dask]'.") from exc
    with contextlib.ExitStack() as stack:
        if args.scheduler:
            try:
                client = stack.enter_context(Client(args.scheduler, timeout="5s"))
            except OSError as exc:
                raise InputError(f"cannot reach the dask scheduler at {args.scheduler}: "
                                 f"{exc}") from exc
        else:
            workers = os.cpu_count() if args.n_jobs in (None, -1) else max(1, args.n_jobs)
            cluster = stack.enter_context(LocalCluster(
                n_workers=workers, threads_per_worker=1, dashboard_address=None))
            client = stack.enter_context(Client(cluster))
        n_workers = len(client.scheduler_info()["workers"])
        print(f"dask: {n_workers} worker{'s' * (n_workers != 1)} at "
              f"{client.scheduler.address}", file=sys.stderr)
        stack.enter_context(joblib.parallel_backend("dask"))
        yield


def _check_device(device):
    """Fail early, before any training, when torch cannot train on ``device`` here."""
    if device == "auto":
        return
    try:
        kind = torch.device(device).type
    except (RuntimeError, TypeError) as exc:
        raise InputError(f"--device {device!r} is not a torch device; use cpu, cuda, mps or "
                         "auto.") from exc
    available = {"cuda": torch.cuda.is_available, "mps": torch.backends.mps.is_available}
    if kind in available and not available[kind]():
        raise InputError(f"--device {device} was requested but {kind.upper()} is not available "
                         "on this machine; use --device cpu, or --device auto to take a GPU "
                         "only when there is one.")


def _check_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise InputError("--report needs matplotlib: pip install 'skae[plot]'.") from exc


def _check_output(option, path):
    """Fail before any training when the results could not be written to ``path``."""
    if path is None:
        return
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise InputError(f"{option} {path} is a folder; give the name of a file in it.")
    if not os.path.isdir(folder):
        raise InputError(f"{option} {path}: the folder {folder} does not exist; create it "
                         "first.")
    if not os.access(folder, os.W_OK):
        raise InputError(f"{option} {path}: the folder {folder} is not writable.")


def _image_shape(text):
    try:
        return parse_image_shape(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _folds(text):
    value = int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"a grid search needs at least 2 folds, got {text}")
    return value


def _n_jobs(text):
    value = int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be a positive number of jobs, or negative "
                                         "(-1: all cores), not 0")
    return value


def _positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
