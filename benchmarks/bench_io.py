"""I/O benchmark: a 60-minute two-person session with three channels at 1 kHz.

Prints
- ``load`` time from netCDF (.nc) and Zarr (.zarr) (target: under 1 s each);
- ``read_csv`` time of the same session as CSV, as a ratio to ``pandas.read_csv`` on the
  same file measured in the same run (target: at most 1.5x).

Run: ``python benchmarks/bench_io.py [--minutes 60] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from _timing import best_of

import concordlab

RATE = 1000.0
CHANNELS = ("eda", "ecg", "resp")


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    session = make_session(args.minutes)
    n = session[CHANNELS[0]].sizes["time"]
    print(
        f"session: {args.minutes:g} min, 2 persons x {len(CHANNELS)} channels at "
        f"{RATE:g} Hz = {2 * len(CHANNELS) * n:,} samples"
    )
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        for suffix in (".nc", ".zarr"):
            path = concordlab.save(session, folder / f"session{suffix}")
            seconds = best_of(args.repeat, lambda path=path: concordlab.load(path))
            assert concordlab.load(path).identical(session)
            verdict = "ok" if seconds < 1.0 else "SLOWER THAN TARGET"
            print(f"load {suffix:6s}: {seconds:6.3f} s   (target < 1 s: {verdict})")

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
        size_mb = csv_path.stat().st_size / 1e6
        columns = {name: (f"{name}_patient", f"{name}_therapist") for name in CHANNELS}

        pandas_s = best_of(args.repeat, lambda: pd.read_csv(csv_path))
        ours_rate = best_of(
            args.repeat,
            lambda: concordlab.read_csv(csv_path, sampling_rate=RATE, columns=columns),
        )
        ours_time = best_of(
            args.repeat,
            lambda: concordlab.read_csv(csv_path, time_column="time", columns=columns),
        )
        print(f"CSV file: {size_mb:.0f} MB")
        print(f"pandas.read_csv                 : {pandas_s:6.3f} s")
        for label, seconds in (("sampling_rate", ours_rate), ("time_column", ours_time)):
            ratio = seconds / pandas_s
            verdict = "ok" if ratio <= 1.5 else "SLOWER THAN TARGET"
            print(
                f"concordlab.read_csv {label:13s}: {seconds:6.3f} s   "
                f"ratio to pandas {ratio:4.2f}x (target <= 1.5x: {verdict})"
            )


if __name__ == "__main__":
    main()
