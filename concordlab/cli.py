"""The ``concordlab`` command: batch runs over a folder of sessions, for clusters and scripts.

Exit codes (for job schedulers):

- 0: every session computed, results written;
- 1: some sessions failed: results for the others written, failures listed on stderr
  (and in ``--errors`` if given);
- 2: bad command line or input (no such folder, no sessions, bad parameter): nothing
  computed;
- 3: nothing could be computed (every session failed, or the dask scheduler is
  unreachable).

``batch --scheduler ADDRESS`` trusts the scheduler completely: dask's protocol sends
pickles, so whoever controls the scheduler can run code in this process, and this process
can run code on the cluster. Give only a scheduler you run yourself; beyond this machine,
use a ``tls://`` address with dask's TLS security. Other non-local addresses get a warning.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

from concordlab._checks import Choice, Integer
from concordlab.cohort import cohort_measures, compute_cohort, open_cohort
from concordlab.compute.registry import Parameter, measure_names, measures, parameter_table
from concordlab.errors import ConcordlabError, ValidationError

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_PARTIAL", "EXIT_USAGE", "main"]

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3
# Schemes whose traffic dask encrypts and authenticates (with its TLS security settings), and
# those that never leave the machine.
_ENCRYPTED_SCHEMES = ("tls", "wss")
_LOCAL_SCHEMES = ("inproc", "unix")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="concordlab",
        description="Physiological concordance between people (two, or a group), from the "
        "command line.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    batch = commands.add_parser(
        "batch",
        help="compute a measure over every session in a folder",
        description=(
            "Compute one measure over every session in FOLDER (saved .nc/.zarr sessions, or "
            "text recordings with --sampling-rate) in parallel with dask, and write a tidy CSV. "
            "Exit codes: 0 all done, 1 some sessions failed (the rest written), 2 bad "
            "input, 3 nothing computed."
        ),
        epilog=(
            "example: concordlab batch data/rmea --sampling-rate 25 --channel motion "
            "--measure wlcc_grand_mean --window 30 --step 10 --max-lag 5 --out rmea.csv"
        ),
    )
    batch.add_argument("folder", type=Path, help="folder of sessions (sub-folders are groups)")
    batch.add_argument(
        "--measure", default="index", choices=cohort_measures(), help="what to compute"
    )
    batch.add_argument(
        "--method", choices=measure_names(), help="the concordance method (default slope)"
    )
    for parameter in parameter_table().values():
        _add_parameter(batch, parameter)
    batch.add_argument(
        "--pairs",
        nargs="+",
        metavar="FIRST~SECOND",
        help="the pairs of persons a dyadic method runs over in group sessions, e.g. "
        "mother~child father~child (default every pair; two-person sessions: none)",
    )
    batch.add_argument("--channel", help="channel to measure (and name of text recordings')")
    batch.add_argument("--sampling-rate", type=float, help="sampling rate (Hz) of text recordings")
    batch.add_argument("--fs", type=float, help=argparse.SUPPRESS)  # old name, one release
    batch.add_argument("--ratings", type=Path, help="CSV/TSV of ratings joined on the ids")
    batch.add_argument("--out", type=Path, default=Path("results.csv"), help="result CSV")
    batch.add_argument("--errors", type=Path, help="CSV listing the sessions that failed")
    batch.add_argument(
        "--scheduler",
        default=None,
        help="threads, processes, synchronous, or a dask scheduler address such as "
        "tcp://127.0.0.1:8786 (default: the fastest local choice for the files: threads for "
        "text files; saved sessions one after the other, or on processes from 200). "
        "Security: dask's protocol is pickle-based, so whoever controls the scheduler can "
        "run code in this process (and this process on the cluster): give only a scheduler "
        "you trust and run yourself. Beyond localhost, use a tls:// address with dask's TLS "
        "security (certificates in dask's distributed.comm.tls config); other non-local "
        "addresses get a warning",
    )
    batch.add_argument("--quiet", action="store_true", help="no progress bar")
    lite = commands.add_parser(
        "lite",
        help="build the class notebooks as a JupyterLite site (Python in the browser)",
        description=(
            "Build the class notebooks and their data as a static JupyterLite site that runs "
            "offline in the browser (Pyodide). Needs a source checkout, the lite extra "
            "(pip install -e '.[lite]'), and PyPI and the npm registry while building."
        ),
        epilog="example: concordlab lite --out class-site",
    )
    lite.add_argument("--out", type=Path, default=Path("class-site"), help="site folder")
    lite.add_argument("--source", type=Path, help="the checkout (default: this concordlab's)")
    lite.add_argument("--cache", type=Path, help="download cache (~/.cache/concordlab/lite)")
    return parser


def _add_parameter(parser: argparse.ArgumentParser, parameter: Parameter) -> None:
    """A ``--flag`` for a measure parameter, from its declaration in the registry."""
    takers = [m.name for m in measures() if parameter in m.parameters]
    unit = f" ({parameter.unit})" if parameter.unit else ""
    text = f"{parameter.doc}{unit} Methods: {', '.join(takers)}.".replace("%", "%%")
    flag = "--" + parameter.name.replace("_", "-")
    if isinstance(parameter.default, bool):
        parser.add_argument(flag, action=argparse.BooleanOptionalAction, help=text)
    elif isinstance(parameter.rule, Choice):
        parser.add_argument(flag, choices=parameter.rule.choices, help=text)
    elif isinstance(parameter.rule, Integer):
        parser.add_argument(flag, type=int, help=text)
    else:
        parser.add_argument(flag, type=float, help=text)


def _write_atomically(frame: pd.DataFrame, path: Path) -> None:
    """Write a CSV so that a killed job never leaves half a file behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "w", newline="") as stream:
            frame.to_csv(stream, index=False)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def _scheduler_warning(scheduler: str | None) -> str | None:
    """The warning for a scheduler address that is neither local nor TLS (else ``None``).

    Parameters
    ----------
    scheduler : str or None
        The ``--scheduler`` value.

    Returns
    -------
    str or None
        The warning, naming the risk and what to use instead.

    Examples
    --------
    >>> _scheduler_warning("tcp://127.0.0.1:8786") is None
    True
    >>> _scheduler_warning("tls://cluster.example.org:8786") is None
    True
    >>> print(_scheduler_warning("tcp://10.0.0.1:8786"))  # doctest: +ELLIPSIS
    warning: the dask scheduler tcp://10.0.0.1:8786 is not on this machine ...
    """
    if scheduler is None or "://" not in scheduler:
        return None  # threads, processes, synchronous: nothing leaves the process tree
    scheme = scheduler.split("://", 1)[0].lower()
    if scheme in _ENCRYPTED_SCHEMES or scheme in _LOCAL_SCHEMES:
        return None
    try:
        host = urlsplit(scheduler).hostname or ""
    except ValueError:
        host = ""
    if host == "localhost" or host.endswith(".localhost"):
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    return (
        f"warning: the dask scheduler {scheduler} is not on this machine and the connection "
        "is not tls://. dask's protocol is pickle-based: whoever controls that scheduler, or "
        "can intercept or impersonate it on the network, can run code in this process (and "
        "this process can run code on the cluster). Use only a scheduler you trust and run "
        "yourself, over a tls:// address with dask's TLS security."
    )


def _batch(args: argparse.Namespace) -> int:
    """Run ``concordlab batch``: one measure over every session of a folder, to a CSV.

    With ``--scheduler ADDRESS`` the sessions are computed on a dask cluster. dask's
    protocol is pickle-based: whoever controls the scheduler can run code in this process,
    and this process can run code on the cluster's workers. The scheduler must be one you
    trust and run yourself; for anything beyond localhost, use a ``tls://`` address with
    dask's TLS security (certificates in dask's ``distributed.comm.tls`` configuration). An
    address that is neither local (localhost, 127.x, ::1, a unix socket) nor ``tls://``
    gets a warning on stderr; it is not refused.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line.

    Returns
    -------
    int
        The exit code (see the module docstring).
    """
    warning = _scheduler_warning(args.scheduler)
    if warning is not None:
        print(f"concordlab batch: {warning}", file=sys.stderr)
    sampling_rate = args.sampling_rate
    if args.fs is not None:
        print(
            "concordlab batch: --fs is renamed --sampling-rate; the old name stops working in "
            "concordlab 0.3.",
            file=sys.stderr,
        )
        sampling_rate = args.fs if sampling_rate is None else sampling_rate
    read_options = {"sampling_rate": sampling_rate}
    if args.channel is not None and sampling_rate is not None:
        read_options["channel"] = args.channel
    try:
        cohort = open_cohort(args.folder, ratings=args.ratings, **read_options)
    except ValidationError as error:
        print(f"concordlab batch: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ConcordlabError as error:  # e.g. an unreadable ratings file
        print(f"concordlab batch: {error}", file=sys.stderr)
        return EXIT_FAILED
    names = ["method", *parameter_table()]
    params = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    if args.pairs is not None:
        params["pairs"] = list(args.pairs)
    try:
        with warnings.catch_warnings():
            # The failures are listed one per line below; the summary warning would repeat them.
            warnings.filterwarnings("ignore", r".*session\(s\) failed", UserWarning)
            result = compute_cohort(
                cohort,
                args.measure,
                channel=args.channel,
                scheduler=args.scheduler,
                progress=not args.quiet,
                **params,
            )
    except ValidationError as error:
        message = str(error)
        print(f"concordlab batch: {message}", file=sys.stderr)
        return EXIT_FAILED if "failed on every session" in message else EXIT_USAGE
    except ConcordlabError as error:
        print(f"concordlab batch: {error}", file=sys.stderr)
        return EXIT_FAILED
    _write_atomically(result.to_frame(), args.out)
    computed = result.values.sizes["session"]
    print(
        f"concordlab batch: {args.measure} of {computed} session(s) written to {args.out} "
        f"in {result.seconds:.1f} s",
        file=sys.stderr,
    )
    if result.errors.empty:
        return EXIT_OK
    for session, row in result.errors.iterrows():
        print(f"concordlab batch: FAILED {session}: {row['error']}", file=sys.stderr)
    if args.errors is not None:
        _write_atomically(result.errors.reset_index(), args.errors)
    return EXIT_PARTIAL


def _lite(args: argparse.Namespace) -> int:
    from concordlab.lite import build_lite_site

    try:
        build_lite_site(args.out, source=args.source, cache=args.cache)
    except ValidationError as error:
        print(f"concordlab lite: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ConcordlabError as error:
        print(f"concordlab lite: {error}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``concordlab`` command; returns its exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0 all done, 1 some sessions failed, 2 bad input, 3 nothing computed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import concordlab
    >>> from concordlab.cli import main
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for key, s in concordlab.simulate_cohort(3, duration=120, channels="eda").items():
    ...     _ = concordlab.save(s, folder / "sessions" / f"{key}.nc")
    >>> main(["batch", str(folder / "sessions"), "--window", "20",
    ...       "--out", str(folder / "index.csv"), "--quiet"])
    0
    >>> import pandas as pd
    >>> pd.read_csv(folder / "index.csv")["index"].notna().sum()
    np.int64(3)
    """
    args = _parser().parse_args(argv)
    if args.command == "batch":
        return _batch(args)
    if args.command == "lite":
        return _lite(args)
    return EXIT_USAGE  # pragma: no cover - argparse requires a command
