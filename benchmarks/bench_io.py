"""I/O benchmark: concordlab against the libraries under it, on the same data, in one run.

A two-person session with three channels at 1 kHz (60 minutes by default). Each row is
the median of ``--repeat`` timings, ours and the peer's interleaved (this machine is
shared: a ratio is only meaningful within one run), and its ratio to the named peer:

- ``load .nc``    against ``xr.open_dataset(path).load()`` of the same arrays written by
  xarray's own ``to_netcdf`` (one dataset, one shared time axis); the row
  ``load(verify=False)`` shows what checking the seal (XXH3-128) costs;
- ``load .zarr``  against ``xr.open_zarr(path).load()`` of xarray's own Zarr store;
- ``save .nc``    against ``Dataset.to_netcdf(path)`` (concordlab also validates, checksums
  every array, seals, flushes to disk with fsync and renames into place). ``to_netcdf``
  does not fsync, so two more rows make the comparison fair: concordlab's save against
  ``to_netcdf`` followed by an fsync of its file (both on disk when they return), and
  concordlab's save with its fsyncs skipped (measurement only: ``store._fsync`` replaced
  by a no-op) against ``to_netcdf``; the difference of the two saves is fsync's share;
- ``read_csv``    against ``pyarrow.csv.read_csv`` (``pandas.read_csv`` for reference), with
  ``sampling_rate``, with the time column, and with the time column's clock fitted and
  resampled (``regularize=True``, :mod:`concordlab.io.clock`);
- ``read_bids_recording`` (one person: resolve, parse, check) and ``read_bids_physio``
  (two persons paired into a session) of the largest BIDS fixture (ds210, two subjects' real 50 Hz
  cardiac/respiratory, 30600 rows each, sidecars inherited from the subject folders), from
  the dataset folder (entities resolved, sidecars inherited) against what a user of pandas
  alone does with the same files: ``pandas.read_csv`` of each ``.tsv.gz`` plus ``json.load``
  of its sidecar (there is no BIDS library that reads physio data; ``--only bids``);
- device readers  (``--only devices`` runs these alone) on the largest fixture of each format
  in ``tests/data``: ``read_acq_recording`` against ``bioread.read`` of the same .acq file,
  ``read_opensignals_recording`` against ``pandas.read_csv(comment="#", sep="\\t",
  header=None)`` of the same OpenSignals text file;
- ``read_xdf``    on the XDF fixtures (``tests/data/xdf``: the largest, a real 8-channel
  stream across a clock reset, read with ``read_xdf_recording``; the two-person file with
  ``read_xdf``) against ``pyxdf.load_xdf`` of the same file (``--only xdf``: these rows alone);
- file sizes      against xarray's files of the same data.

- ``read_beats``  ``read_beats_recording`` of the largest per-beat fixture (the real RR
  series ``tests/data/beats/hrv/rest_rri.txt``, 910 intervals in ms) into a 4 Hz heart rate,
  against ``pandas.read_csv`` of the same file; run it alone with ``--only beats``.

Target: every time ratio at most 1.3x, sizes equal.

Run: ``python benchmarks/bench_io.py [--minutes 60] [--repeat 5] [--only ROWS]`` (ROWS: one of
``read_csv``, ``bids``, ``devices``, ``beats``, ``xdf``)
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

import concordlab
import concordlab.io.csv
from concordlab.io import store

RATE = 1000.0
CHANNELS = ("eda", "ecg", "resp")
TARGET = 1.3
FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "data"


def make_session(minutes: float, seed: int = 0):
    n = int(minutes * 60 * RATE)
    rng = np.random.default_rng(seed)
    t = np.arange(n) / RATE
    data = {}
    for index, name in enumerate(CHANNELS):
        drift = np.cumsum(rng.normal(0, 0.001, (2, n)), axis=1)
        wave = np.sin(2 * np.pi * (0.05 + 0.3 * index) * t)
        data[name] = (5 + drift + wave + rng.normal(0, 0.01, (2, n))).round(4)
    return concordlab.from_arrays(data, RATE, session_id=f"bench-{minutes:g}min")


def peer_dataset(session) -> xr.Dataset:
    """The same arrays as one xarray Dataset, as a user of xarray alone would store them."""
    return xr.Dataset({name: session[name][name] for name in CHANNELS})


def medians(repeat: int, actions: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Median wall time of each action, the actions interleaved in every round."""
    timings: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(repeat):
        for name, action in actions.items():
            start = time.perf_counter()
            action()
            timings[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in timings.items()}


def row(label: str, seconds: float, peer_label: str, peer_seconds: float) -> None:
    ratio = seconds / peer_seconds
    verdict = "ok" if ratio <= TARGET else "over target"
    print(
        f"{label:28s} {seconds:7.3f} s   {peer_label:34s} {peer_seconds:7.3f} s   "
        f"{ratio:5.2f}x  ({verdict})"
    )


def size_row(label: str, ours: int, peer_label: str, theirs: int) -> None:
    print(
        f"{label:28s} {ours / 1e6:7.1f} MB  {peer_label:34s} {theirs / 1e6:7.1f} MB  "
        f"{ours / theirs:5.2f}x"
    )


def folder_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def largest(folder: str, pattern: str) -> Path:
    return max((FIXTURES / folder).glob(pattern), key=lambda p: p.stat().st_size)


def device_rows(repeat: int) -> None:
    """The device readers against the format library's own read of the same file."""
    import bioread

    from concordlab.io.acq import read_acq_recording
    from concordlab.io.opensignals import read_opensignals_recording

    acq = largest("biopac", "*.acq")
    text = largest("opensignals", "*.txt")
    times = medians(
        repeat,
        {
            "bioread": lambda: bioread.read(str(acq)),
            "acq": lambda: read_acq_recording(acq),
            "pandas": lambda: pd.read_csv(text, comment="#", sep="\t", header=None),
            "opensignals": lambda: read_opensignals_recording(text),
        },
    )
    print(f"device fixtures: {acq.name} ({acq.stat().st_size / 1e3:.0f} kB), {text.name} "
          f"({text.stat().st_size / 1e3:.0f} kB); medians of {repeat}")  # fmt: skip
    for label, ours, peer_label, peer in (
        ("read_acq_recording", "acq", "bioread.read", "bioread"),
        ("read_opensignals_recording", "opensignals", "pandas.read_csv", "pandas"),
    ):
        ratio = times[ours] / times[peer]
        verdict = "ok" if ratio <= TARGET else "over target"
        ms = times[ours] * 1e3, times[peer] * 1e3
        print(
            f"{label:28s} {ms[0]:7.2f} ms  {peer_label:34s} {ms[1]:7.2f} ms  {ratio:5.2f}x  "
            f"({verdict})"
        )


def bench_read_csv(session, repeat: int) -> None:
    """The read_csv rows: the session written as one CSV, read by concordlab and pyarrow."""
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        table = pd.DataFrame(
            {
                f"{name}_{person}": session[name][name].sel(person=person).values
                for name in CHANNELS
                for person in concordlab.persons(session)
            }
        )
        table.insert(0, "time", session[CHANNELS[0]]["time"].values)
        csv_path = folder / "session.csv"
        table.to_csv(csv_path, index=False, float_format="%.4f")
        columns = {name: (f"{name}_patient", f"{name}_therapist") for name in CHANNELS}

        import pyarrow.csv

        engine = concordlab.io.csv._engine()
        read = medians(
            repeat,
            {
                "pyarrow": lambda: pyarrow.csv.read_csv(csv_path),
                "pandas": lambda: pd.read_csv(csv_path),
                "rate": lambda: concordlab.read_csv(csv_path, sampling_rate=RATE, columns=columns),
                "time": lambda: concordlab.read_csv(csv_path, time_column="time", columns=columns),
                "regularize": lambda: concordlab.read_csv(
                    csv_path, RATE, time_column="time", columns=columns, regularize=True
                ),
            },
        )
        print(f"CSV file: {csv_path.stat().st_size / 1e6:.0f} MB; read_csv engine: {engine}")
        row("read_csv (sampling_rate)", read["rate"], "pyarrow.csv.read_csv", read["pyarrow"])
        row("read_csv (time_column)", read["time"], "pyarrow.csv.read_csv", read["pyarrow"])
        row("read_csv (regularize=True)", read["regularize"], "pyarrow.csv.read_csv",
            read["pyarrow"])  # fmt: skip
        row("pandas.read_csv (reference)", read["pandas"], "pyarrow.csv.read_csv", read["pyarrow"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", choices=["read_csv", *sorted(ONLY)], help="run only these rows")
    args = parser.parse_args()
    if args.only in ONLY:
        ONLY[args.only](args.repeat)
        return

    session = make_session(args.minutes)
    dataset = peer_dataset(session)
    n = session[CHANNELS[0]].sizes["time"]
    print(
        f"session: {args.minutes:g} min, 2 persons x {len(CHANNELS)} channels at "
        f"{RATE:g} Hz = {2 * len(CHANNELS) * n:,} samples; medians of {args.repeat}"
    )
    print(f"{'concordlab':28s} {'':9s}   {'peer (same data, same run)':34s}")
    if args.only == "read_csv":
        bench_read_csv(session, args.repeat)
        return
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        ours_nc, peer_nc = folder / "session.nc", folder / "peer.nc"
        ours_zarr, peer_zarr = folder / "session.zarr", folder / "peer.zarr"

        def peer_on_disk():
            dataset.to_netcdf(peer_nc)
            with open(peer_nc, "rb") as stream:
                os.fsync(stream.fileno())

        def save_without_fsync():
            real = store._fsync
            store._fsync = lambda *args, **kwargs: None
            try:
                concordlab.save(session, ours_nc)
            finally:
                store._fsync = real

        saved = medians(
            args.repeat,
            {
                "peer": lambda: dataset.to_netcdf(peer_nc),
                "ours": lambda: concordlab.save(session, ours_nc),
                "peer fsync": peer_on_disk,
                "ours no fsync": save_without_fsync,
            },
        )
        row("save .nc", saved["ours"], "Dataset.to_netcdf", saved["peer"])
        row("save .nc", saved["ours"], "Dataset.to_netcdf + fsync", saved["peer fsync"])
        row("save .nc, fsync skipped", saved["ours no fsync"], "Dataset.to_netcdf", saved["peer"])
        print(
            f"{'  fsync share of save':28s} {saved['ours'] - saved['ours no fsync']:7.3f} s   "
            f"{'fsync after to_netcdf':34s} {saved['peer fsync'] - saved['peer']:7.3f} s"
        )
        loaded = medians(
            args.repeat,
            {
                "peer": lambda: xr.open_dataset(peer_nc).load(),
                "ours": lambda: concordlab.load(ours_nc),
                "unchecked": lambda: concordlab.load(ours_nc, verify=False),
            },
        )
        row("load .nc", loaded["ours"], "xr.open_dataset().load()", loaded["peer"])
        row("load .nc (verify=False)", loaded["unchecked"], "xr.open_dataset().load()",
            loaded["peer"])  # fmt: skip
        assert concordlab.load(ours_nc).identical(session)

        concordlab.save(session, ours_zarr)
        dataset.to_zarr(peer_zarr, mode="w", zarr_format=2, consolidated=True)
        loaded = medians(
            args.repeat,
            {
                "peer": lambda: xr.open_zarr(peer_zarr).load(),
                "ours": lambda: concordlab.load(ours_zarr),
            },
        )
        row("load .zarr", loaded["ours"], "xr.open_zarr().load()", loaded["peer"])
        assert concordlab.load(ours_zarr).identical(session)

        size_row("file size .nc", folder_size(ours_nc), "xarray's .nc", folder_size(peer_nc))
        size_row(
            "store size .zarr", folder_size(ours_zarr), "xarray's .zarr", folder_size(peer_zarr)
        )

    bench_read_csv(session, args.repeat)
    for rows in ONLY.values():
        rows(args.repeat)


BIDS_DS210 = Path(__file__).parent.parent / "tests" / "data" / "bids-examples" / "ds210"


def bench_bids(repeat: int) -> None:
    """read_bids_physio of the largest BIDS fixture against pandas + json on the same files."""
    import json

    subjects = ("01", "02")
    data = [BIDS_DS210 / f"sub-{s}/func/sub-{s}_task-rest_run-01_physio.tsv.gz" for s in subjects]
    sidecars = [BIDS_DS210 / f"sub-{s}/sub-{s}_task-rest_physio.json" for s in subjects]

    def peer():
        out = []
        for path, sidecar in zip(data, sidecars, strict=True):
            meta = json.loads(sidecar.read_text())
            out.append((meta, pd.read_csv(path, sep="\t", header=None, names=meta["Columns"])))
        return out

    def peer_one():
        meta = json.loads(sidecars[0].read_text())
        return meta, pd.read_csv(data[0], sep="\t", header=None, names=meta["Columns"])

    def ours_one():
        return concordlab.io.read_bids_recording(BIDS_DS210, subject="01", task="rest")

    def ours_dataset():
        return concordlab.read_bids_physio(BIDS_DS210, subjects=subjects, task="rest")

    def ours_paths():
        return concordlab.read_bids_physio(*data)

    read = medians(
        repeat * 4,
        {
            "peer one": peer_one,
            "one": ours_one,
            "peer": peer,
            "dataset": ours_dataset,
            "paths": ours_paths,
        },
    )
    rows = sum(len(table) for _, table in peer())
    size = sum(p.stat().st_size for p in data) / 1e3
    print(f"BIDS ds210: 2 files, {rows} rows x 2 columns, {size:.0f} kB gzip")
    row("read_bids_recording (dataset)", read["one"], "pandas.read_csv + json (1 file)",
        read["peer one"])  # fmt: skip
    row("read_bids_physio (dataset)", read["dataset"], "pandas.read_csv + json (2 files)",
        read["peer"])  # fmt: skip
    row("read_bids_physio (paths)", read["paths"], "pandas.read_csv + json (2 files)",
        read["peer"])  # fmt: skip


def devices_rows(repeat: int) -> None:
    """The device readers' rows, with at least 50 repeats (their files take milliseconds)."""
    device_rows(max(repeat, 50))


def beats_rows(repeat: int) -> None:
    """The per-beat reader's row, with at least 50 repeats (its file takes a millisecond)."""
    beats_row(max(repeat, 50))


BEATS = Path(__file__).resolve().parent.parent / "tests/data/beats/hrv/rest_rri.txt"


def beats_row(repeat: int) -> None:
    """read_beats_recording of the largest per-beat fixture against pandas.read_csv of it."""
    from concordlab.io import read_beats_recording

    read = medians(
        repeat,
        {
            "pandas": lambda: pd.read_csv(BEATS, header=None),
            "ours": lambda: read_beats_recording(BEATS, time_unit="ms"),
        },
    )
    print(f"per-beat file: {BEATS.name}, {BEATS.stat().st_size / 1e3:.1f} kB; medians of {repeat}")
    ratio = read["ours"] / read["pandas"]
    print(
        f"{'read_beats_recording':28s} {read['ours'] * 1e3:7.3f} ms  {'pandas.read_csv':34s} "
        f"{read['pandas'] * 1e3:7.3f} ms  {ratio:5.2f}x  "
        f"({'ok' if ratio <= TARGET else 'over target'}: parses, checks and interpolates)"
    )


XDF = Path(__file__).parent.parent / "tests" / "data" / "xdf"


def xdf_rows(repeat: int) -> None:
    """read_xdf_recording / read_xdf on the XDF fixtures against pyxdf.load_xdf alone."""
    import logging

    import pyxdf

    logging.getLogger("pyxdf").setLevel(logging.ERROR)  # its warnings on the fixtures
    largest, dyad = XDF / "clock_resets_excerpt.xdf", XDF / "dyad_eda.xdf"
    persons = {"patient": "EDA_P1", "therapist": "EDA_P2"}
    timed = medians(
        max(repeat, 20),
        {
            "pyxdf largest": lambda: pyxdf.load_xdf(str(largest)),
            "ours largest": lambda: concordlab.io.read_xdf_recording(
                largest, "BioSemi", sampling_rate=100, max_gap=1.0
            ),
            "pyxdf dyad": lambda: pyxdf.load_xdf(str(dyad)),
            "ours dyad": lambda: concordlab.io.read_xdf(dyad, persons=persons),
        },
    )
    print(f"XDF: {largest.name} {largest.stat().st_size / 1e3:.0f} kB, {dyad.name} "
          f"{dyad.stat().st_size / 1e3:.0f} kB; medians of {max(repeat, 20)}")  # fmt: skip
    row("read_xdf_recording (largest)", timed["ours largest"], "pyxdf.load_xdf",
        timed["pyxdf largest"])  # fmt: skip
    row("read_xdf (two persons)", timed["ours dyad"], "pyxdf.load_xdf", timed["pyxdf dyad"])


ONLY = {"bids": bench_bids, "devices": devices_rows, "beats": beats_rows, "xdf": xdf_rows}
"""Rows that ``--only`` runs alone (the full run runs them after the session rows)."""


if __name__ == "__main__":
    main()
