"""The parameter contract of every public function: a bad value is a ValidationError naming it.

Every public function of ``concordlab.__all__``, ``concordlab.preprocess``,
``concordlab.stats`` and ``concordlab.plots`` has a valid base call in :data:`BASE`.
From each function's signature (and, for ``**kwargs`` functions, from what the keyword
arguments are documented to reach: a measure's registered parameters, the surrogate
method's, the reader's, :func:`concordlab.simulate_dyad`'s) invalid values are generated
by the parameter's annotation, default and name; the base call with one of them must
raise :class:`concordlab.ValidationError` (a :class:`concordlab.ConcordlabError` for
file paths) whose message names the parameter. Public classes and constants are listed
in :data:`SKIP`, so that a new public function cannot escape the contract.

Generated values that are valid for a parameter are listed in :data:`VALID`, each with
its reason; known violations of the contract, strict xfails, in :data:`VIOLATIONS`.
"""

from __future__ import annotations

import gzip
import inspect
import json
import math
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import concordlab
from concordlab import ConcordlabError, FileFormatError, ValidationError

DATA = Path(__file__).parent / "data"
sys.path.insert(0, str(Path(__file__).parent / "fuzz"))  # the fuzz suite's shared helpers
from cases import time_limit  # noqa: E402 (after the path it is found on)

MODULES = ("preprocess", "stats", "plots")
TIMEOUT = 30  # seconds one call may take; invalid values should be refused at once

# --------------------------------------------------------------------------- fixtures


class Fixtures:
    """Valid inputs, each built on first use (most cases need only a few of them)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp

    @cached_property
    def session(self):
        return concordlab.simulate_dyad(60, seed=1)

    @cached_property
    def table(self):
        return concordlab.segments(self.session)

    @cached_property
    def result(self):
        return concordlab.concordance(self.session)

    @cached_property
    def over_pairs(self):
        return concordlab.concordance(self.session, pairs=[("patient", "therapist")])

    @cached_property
    def cross(self):
        return concordlab.wlcc(self.session, window=10, step=5, max_lag=2)

    @cached_property
    def stored(self):
        return concordlab.add_result(
            self.session, "index", concordlab.concordance_index(self.result)
        )

    @cached_property
    def ecg_session(self):
        path = DATA / "eda-single/neurokit/bio_eventrelated_100hz.csv"
        ecg = np.genfromtxt(path, delimiter=",", skip_header=1, usecols=0, max_rows=3000)
        return concordlab.from_arrays({"ecg": [ecg, ecg]}, sampling_rate=100)

    @cached_property
    def cohort(self):
        return concordlab.simulate_cohort(3, duration=60, channels="eda", seed=1)

    @cached_property
    def lazy_cohort(self):
        return concordlab.open_cohort(self.cohort)

    @cached_property
    def x(self):
        return np.arange(12.0)

    @cached_property
    def y(self):
        return self.x + np.random.default_rng(0).normal(size=12)

    @cached_property
    def pseudo(self):
        return np.concatenate([self.y, self.y - 1])

    @cached_property
    def correlation(self):
        return concordlab.correlate(self.x, self.y, **FEW)

    @cached_property
    def groups(self):
        return concordlab.compare_groups(self.x, ["a"] * 6 + ["b"] * 6, **FEW)

    @cached_property
    def paired(self):
        return concordlab.compare_paired(self.x, self.y, **FEW)

    @cached_property
    def real_pseudo(self):
        return concordlab.compare_real_pseudo(self.x, self.pseudo, n_permutations=200, seed=0)

    @cached_property
    def both_csv(self) -> Path:
        """Both persons in one text file, rMEA's layout: 40 s at 25 Hz."""
        lines = (DATA / "rmea-psychotherapy" / "normal" / "200_01.txt").read_text().splitlines()
        path = self.tmp / "both.txt"
        path.write_text("\n".join(lines[:1001]) + "\n")
        return path

    @cached_property
    def both_csv_2(self) -> Path:
        lines = (DATA / "rmea-psychotherapy" / "normal" / "201_01.txt").read_text().splitlines()
        path = self.tmp / "both-2.txt"
        path.write_text("\n".join(lines[:1001]) + "\n")
        return path

    @cached_property
    def one_csv(self) -> Path:
        """One person's EDA at 4 Hz for 50 s."""
        path = self.tmp / "one.csv"
        values = 2 + np.sin(np.arange(200) / 20)
        path.write_text("eda\n" + "".join(f"{v:.5f}\n" for v in values))
        return path

    @cached_property
    def recordings(self):
        return [
            concordlab.read_recording(self.one_csv, sampling_rate=4, person=person)
            for person in ("patient", "therapist")
        ]

    def _e4(self, name: str, start: float) -> Path:
        folder = self.tmp / name
        folder.mkdir()
        rows = "".join(f"{2 + math.sin(i / 20):.6f}\n" for i in range(240))
        (folder / "EDA.csv").write_text(f"{start:.6f}\n4.000000\n{rows}")
        (folder / "tags.csv").write_text(f"{start + 20:.2f}\n")
        return folder

    @cached_property
    def e4(self) -> tuple[Path, Path]:
        return self._e4("1495437325_A01", 1495437325.0), self._e4("1495437326_A02", 1495437326.0)

    def _bids(self, sub: str, start: float) -> Path:
        folder = self.tmp / f"sub-{sub}" / "beh"
        folder.mkdir(parents=True)
        stem = f"sub-{sub}_task-talk_recording-eda"
        sidecar = {"SamplingFrequency": 4.0, "StartTime": start, "Columns": ["eda"]}
        (folder / f"{stem}_physio.json").write_text(json.dumps(sidecar))
        rows = "".join(f"{2 + math.sin(i / 20):.5f}\n" for i in range(200))
        path = folder / f"{stem}_physio.tsv.gz"
        path.write_bytes(gzip.compress(rows.encode()))
        return path

    @cached_property
    def bids(self) -> tuple[Path, Path]:
        return self._bids("01", 0.0), self._bids("02", 0.5)

    @cached_property
    def video(self) -> Path:
        """A 3 s video of 64x48 pixels at 10 frames per second (PyAV, the video extra)."""
        from concordlab.video import _demo_video

        return _demo_video(self.tmp / "room.mp4")

    @cached_property
    def video_session(self):
        return concordlab.attach_video(self.session, self.video, offset=1.0)

    @cached_property
    def review_session(self):
        return concordlab.add_segment(self.video_session, 0.5, 1.5, "laugh")

    @cached_property
    def rating_key(self):
        """The key of 8 review clips: 4 sessions, a high and a low moment each."""
        import pandas as pd

        return pd.DataFrame(
            {
                "clip": [f"c{i}" for i in range(8)],
                "session": [f"s{i // 2}" for i in range(8)],
                "kind": ["high", "low"] * 4,
            }
        )

    @cached_property
    def rating_sheets(self):
        return concordlab.simulate_ratings(self.rating_key, seed=0)

    @cached_property
    def saved(self) -> Path:
        return concordlab.save(self.session, self.tmp / "saved.nc")

    @cached_property
    def events(self) -> Path:
        return concordlab.write_events_tsv(self.session, self.tmp / "events.tsv")

    @cached_property
    def missing(self) -> Path:
        return self.tmp / "no-such-folder" / "no-such-file.csv"


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory):
    return Fixtures(tmp_path_factory.mktemp("contract"))


def _surrogate_statistic(session) -> float:
    return 1.0 if "surrogate" in concordlab.metadata(session) else 2.0


FEW = {"n_boot": 200, "n_permutations": 200, "seed": 0}

# --------------------------------------------------------------------------- base calls

Base = Callable[[Fixtures], tuple[tuple, dict]]

BASE: dict[str, Base] = {
    # the session model
    "add_channel": lambda f: ((f.session, "extra", np.ones((2, 120))), {"sampling_rate": 2.0}),
    "add_result": lambda f: ((f.session,), {"name": "x", "result": f.result}),
    "add_segment": lambda f: ((f.session,), {"start": 10.0, "end": 20.0, "label": "x"}),
    "channels": lambda f: ((f.session,), {}),
    "from_arrays": lambda f: (({"eda": np.ones((2, 40))},), {"sampling_rate": 4.0}),
    "get_result": lambda f: ((f.stored,), {"name": "index"}),
    "metadata": lambda f: ((f.session,), {}),
    "persons": lambda f: ((f.session,), {}),
    "remove_segment": lambda f: ((f.session,), {"index": 0}),
    "remove_segment[label]": lambda f: ((f.session,), {"label": "talk"}),
    "resample": lambda f: ((f.session,), {"sampling_rate": 8.0}),
    "results": lambda f: ((f.stored,), {}),
    "segments": lambda f: ((f.session,), {}),
    "set_segments": lambda f: ((f.session, f.table), {}),
    "time_span": lambda f: ((f.session,), {}),
    "validate_session": lambda f: ((f.session,), {}),
    # compute
    "add_moments": lambda f: ((f.session, f.result), {}),
    "by_segment": lambda f: ((f.session, f.result), {"n_boot": 20, "seed": 0}),
    "circular_shift": lambda f: ((f.session,), {"seed": 0}),
    "concordance": lambda f: ((f.session,), {}),
    "concordance[pearson]": lambda f: ((f.session,), {"method": "pearson"}),
    "concordance[slope]": lambda f: ((f.session,), {"method": "slope"}),
    "concordance[wlcc]": lambda f: ((f.session,), {"method": "wlcc", "window": 10, "step": 5}),
    "concordance[wlcc_peak]": lambda f: (
        (f.session,),
        {"method": "wlcc_peak", "window": 10, "step": 5},
    ),
    "concordance[kuramoto]": lambda f: ((f.session,), {"method": "kuramoto"}),
    "concordance[rho]": lambda f: ((f.session,), {"method": "rho"}),
    "concordance[mean_pairwise]": lambda f: (
        (f.session,),
        {"method": "mean_pairwise", "pair_method": "pearson"},
    ),
    "concordance[phase_sync]": lambda f: (
        (f.session,),
        {"method": "phase_sync", "window": 10, "step": 5, "low_frequency": 0.05},
    ),
    "concordance[phase_sync_nk]": lambda f: (
        (f.session,),
        {"method": "phase_sync_nk", "window": 10, "step": 5, "high_frequency": 0.5},
    ),
    "concordance[coherence]": lambda f: ((f.session,), {"method": "coherence"}),
    "concordance[wavelet_coherence]": lambda f: (
        (f.session,),
        {"method": "wavelet_coherence", "step": 5},
    ),
    "concordance[dtw]": lambda f: ((f.session,), {"method": "dtw", "window": 10, "step": 5}),
    "concordance[dtw_lag]": lambda f: (
        (f.session,),
        {"method": "dtw_lag", "window": 10, "step": 5},
    ),
    "concordance[recurrence_rate]": lambda f: (
        (f.session,),
        {"method": "recurrence_rate", "window": 10, "step": 5},
    ),
    "concordance[determinism]": lambda f: (
        (f.session,),
        {"method": "determinism", "window": 10, "step": 5},
    ),
    "concordance[mean_line]": lambda f: (
        (f.session,),
        {"method": "mean_line", "window": 10, "step": 5},
    ),
    "concordance[recurrence_profile]": lambda f: (
        (f.session,),
        {"method": "recurrence_profile", "window": 10, "step": 5, "max_lag": 2},
    ),
    "concordance_index": lambda f: ((f.result,), {}),
    "instantaneous_phase": lambda f: (
        (f.session,),
        {"channel": "eda", "low_frequency": 0.05, "high_frequency": 0.5},
    ),
    "concordance[susy]": lambda f: ((f.session,), {"method": "susy", "segment_length": 10}),
    "concordance[granger]": lambda f: ((f.session,), {"method": "granger", "step": 5}),
    "concordance[granger_lead]": lambda f: ((f.session,), {"method": "granger_lead", "step": 5}),
    "leader_follower": lambda f: ((f.session,), {"window": 10.0, "step": 5.0, "max_lag": 2.0}),
    "moments": lambda f: ((f.result,), {}),
    "pseudo_dyads": lambda f: ((f.cohort,), {"seed": 0}),
    "pseudo_groups": lambda f: ((f.cohort,), {"n_persons": 3, "n_groups": 4, "seed": 0}),
    "segment_shuffle": lambda f: ((f.session,), {"segment_length": 10.0, "seed": 0}),
    "surrogate_test": lambda f: (
        (f.session, _surrogate_statistic),
        {"n_surrogates": 3, "seed": 0, "progress": False},
    ),
    "surrogate_test[circular_shift]": lambda f: (
        (f.session, _surrogate_statistic),
        {"method": "circular_shift", "n_surrogates": 3, "seed": 0, "progress": False},
    ),
    "surrogate_test[segment_shuffle]": lambda f: (
        (f.session, _surrogate_statistic),
        {"method": "segment_shuffle", "segment_length": 10.0, "n_surrogates": 3, "seed": 0},
    ),
    "susy": lambda f: ((f.session,), {"segment_length": 10.0, "max_lag": 2.0}),
    "wlcc": lambda f: ((f.session,), {"window": 10.0, "step": 5.0, "max_lag": 2.0}),
    "wlcc_peaks": lambda f: ((f.cross,), {}),
    "wlcc_summary": lambda f: ((f.cross,), {}),
    # cohorts
    "compute_cohort": lambda f: (
        (f.lazy_cohort,),
        {"measure": "index", "scheduler": "synchronous", "progress": False},
    ),
    "open_cohort": lambda f: (([f.both_csv, f.both_csv_2],), {"sampling_rate": 25.0}),
    # simulation and data sets
    "example_cohort": lambda f: ((), {}),
    "example_session": lambda f: ((), {}),
    "rmea_psychotherapy": lambda f: ((), {"group": "normal", "path": DATA / "rmea-psychotherapy"}),
    "simulate_cohort": lambda f: ((), {"n": 2, "duration": 30.0, "seed": 0}),
    "simulate_dyad": lambda f: ((), {"duration": 60.0, "seed": 1}),
    "simulate_group": lambda f: ((), {"n_persons": 3, "duration": 60.0, "seed": 1}),
    # readers and writers
    "load": lambda f: ((), {"path": f.saved}),
    "pair_recordings": lambda f: ((f.recordings,), {}),
    "read": lambda f: ((f.both_csv,), {"sampling_rate": 25.0}),
    "read_bids_physio": lambda f: ((), {"person1": f.bids[0], "person2": f.bids[1]}),
    "read_csv": lambda f: ((), {"path": f.both_csv, "sampling_rate": 25.0}),
    "read_e4": lambda f: ((), {"person1": f.e4[0], "person2": f.e4[1]}),
    "read_opensignals": lambda f: (
        (),
        {"path_or_paths": DATA / "opensignals/sync_cable_acoustic.txt", "channels": "ch1"},
    ),
    "read_xdf": lambda f: (
        (),
        {
            "path": DATA / "xdf/dyad_eda.xdf",
            "persons": {"patient": "EDA_P1", "therapist": "EDA_P2"},
        },
    ),
    "read_events_tsv": lambda f: ((f.session,), {"path": f.events}),
    "read_recording": lambda f: ((), {"path": f.one_csv, "sampling_rate": 4.0}),
    "save": lambda f: ((f.session,), {"path": f.tmp / "out.nc"}),
    "write_events_tsv": lambda f: ((f.session,), {"path": f.tmp / "out-events.tsv"}),
    # videos
    "attach_video": lambda f: ((f.session,), {"path": f.video, "offset": 1.0, "person": "patient"}),
    "detach_video": lambda f: ((f.video_session,), {"video": "room"}),
    "relink_video": lambda f: ((f.video_session,), {"path": f.video, "video": "room"}),
    "set_video_offset": lambda f: ((f.video_session,), {"offset": 2.0, "video": "room"}),
    "video_path": lambda f: ((f.video_session,), {"video": "room"}),
    "videos": lambda f: ((f.video_session,), {}),
    # review: blinded clips, observers' ratings
    "export_review": lambda f: (
        (f.review_session,),
        {"out_dir": f.tmp / "review", "segments": "laugh", "pad": 0.5, "overwrite": True}
        | {"seed": 0, "progress": False},
    ),
    "read_ratings": lambda f: ((f.rating_sheets, f.rating_key), {}),
    "simulate_ratings": lambda f: ((f.rating_key,), {"seed": 0}),
    "simulate_video": lambda f: (
        (f.session,),
        {"path": f.tmp / "synth.mp4", "frame_rate": 2.0, "width": 64, "height": 48},
    ),
    # statistics
    "compare_groups": lambda f: ((f.x, ["a"] * 6 + ["b"] * 6), FEW),
    "compare_paired": lambda f: ((f.x, f.y), FEW),
    "compare_real_pseudo": lambda f: ((f.x, f.pseudo), {"n_permutations": 200, "seed": 0}),
    "correlate": lambda f: ((f.x, f.y), FEW),
    # the explorer (headless: it needs no browser)
    "explore": lambda f: ((f.session,), {"sidecar": False}),
    # preprocess
    "preprocess.detrend": lambda f: ((f.session,), {}),
    "preprocess.downsample": lambda f: ((f.session,), {"factor": 2}),
    "preprocess.downsample[sampling_rate]": lambda f: ((f.session,), {"sampling_rate": 2.0}),
    "preprocess.eda_components": lambda f: ((f.session,), {}),
    "preprocess.heart_rate": lambda f: ((f.ecg_session,), {}),
    "preprocess.lowpass": lambda f: ((f.session,), {"cutoff": 1.0}),
    "preprocess.mask_artefacts": lambda f: ((f.session,), {}),
    "preprocess.rmea_scale": lambda f: ((f.session,), {}),
    "preprocess.rmea_smooth": lambda f: ((f.session,), {}),
    "preprocess.smooth": lambda f: ((f.session,), {"window": 2.0}),
    "preprocess.standardise": lambda f: ((f.session,), {}),
    # plots
    "plots.person_colours": lambda f: ((), {"n": 3}),
    "plots.minmax_decimate": lambda f: ((), {"time": np.arange(50.0), "values": np.ones(50)}),
    "plots.plot_concordance": lambda f: ((f.result,), {}),
    "plots.plot_correlation": lambda f: ((f.correlation,), {}),
    "plots.plot_groups": lambda f: ((f.groups,), {}),
    "plots.plot_paired": lambda f: ((f.paired,), {}),
    "plots.plot_pairs": lambda f: ((f.over_pairs,), {}),
    "plots.plot_real_pseudo": lambda f: ((f.real_pseudo,), {}),
    "plots.plot_session": lambda f: ((f.session,), {}),
    "plots.plot_wlcc": lambda f: ((f.cross,), {}),
    "plots.segment_colours": lambda f: ((f.table,), {}),
}
"""A valid call of each public function: ``fixtures -> (args, kwargs)``. A key
``name[variant]`` is a second base call of ``name`` whose ``**kwargs`` reach other
parameters (``concordance[wlcc]``: method="wlcc" and its parameters), or gives the other
of two exclusive parameters (``preprocess.downsample[sampling_rate]``, not ``factor``);
only those parameters (:data:`KWARGS`) are varied there. Parameters given positionally
are never varied."""

SKIP: dict[str, str] = {
    "DEFAULT_PERSONS": "a constant",
    "Cohort": "a class (the result of simulate_cohort)",
    "CohortResult": "a class (the result of compute_cohort)",
    "ConcordlabError": "an exception class",
    "DataNotFoundError": "an exception class",
    "FileFormatError": "an exception class",
    "LazyCohort": "a class (the result of open_cohort)",
    "Ratings": "a class (the result of read_ratings)",
    "Recording": "a class (the result of read_recording)",
    "ReviewExport": "a result class (the result of export_review)",
    "SegmentError": "an exception class",
    "UnitWarning": "a warning class",
    "ValidationError": "an exception class",
    "preprocess": "a module: its __all__ is covered as preprocess.*",
    "stats": "a module: its __all__ is covered as stats.* (the functions are re-exported)",
    "preprocess.EDA_MAX_JUMP": "a constant",
    "preprocess.EDA_VALID_RANGE": "a constant",
    "stats.ALTERNATIVES": "a constant",
    "stats.CorrelationEstimate": "a result class",
    "stats.CorrelationResult": "a result class",
    "stats.GroupComparison": "a result class",
    "stats.PairedComparison": "a result class",
    "stats.RealPseudoComparison": "a result class",
}
"""Public names that are not functions, each with the reason it has no base call."""


def _public_names() -> dict[str, Any]:
    """Every public name: ``name`` for concordlab.__all__, ``module.name`` for the others."""
    names = {name: getattr(concordlab, name) for name in concordlab.__all__}
    for module_name in MODULES:
        module = getattr(concordlab, module_name)
        names.update({f"{module_name}.{n}": getattr(module, n) for n in module.__all__})
    return names


def _function(key: str) -> Callable[..., Any]:
    name = key.split("[")[0]
    module, _, attribute = name.rpartition(".")
    return getattr(getattr(concordlab, module) if module else concordlab, attribute)


def _covered_by(name: str, value: Any) -> str | None:
    """The BASE key covering a public name (stats.correlate is concordlab.correlate)."""
    if name in BASE:
        return name
    for key in BASE:
        if "[" not in key and _function(key) is value:
            return key
    return None


# --------------------------------------------------------------------------- parameters


def _parameter(name: str, annotation: str, default: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


def _signature_parameters(function: Callable[..., Any], *drop: str) -> list[inspect.Parameter]:
    return [
        p
        for p in inspect.signature(function).parameters.values()
        if p.name not in drop and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    ]


def _measure_parameters(method: str) -> list[inspect.Parameter]:
    """A registered measure's parameters, as the keyword arguments of concordance."""
    from concordlab._checks import Choice, Integer, Real
    from concordlab.compute.registry import get_measure

    parameters = []
    for p in get_measure(method).parameters:
        if isinstance(p.rule, Real):
            kind = "float"
        elif isinstance(p.rule, Integer):
            kind = "int"
        elif isinstance(p.rule, Choice):
            kind = "str"
        else:
            kind = "bool"
        parameters.append(_parameter(p.name, kind + (" | None" if p.optional else ""), p.default))
    return parameters


def _method_parameter() -> list[inspect.Parameter]:
    return [_parameter("method", "str", "slope")]


def _reader_parameters() -> list[inspect.Parameter]:
    from concordlab.io.csv import read_csv_recording

    return _signature_parameters(read_csv_recording, "path")


KWARGS: dict[str, Callable[[], list[inspect.Parameter]]] = {
    "concordance[pearson]": lambda: _measure_parameters("pearson"),
    "concordance[slope]": lambda: _measure_parameters("slope"),
    "concordance[wlcc]": lambda: _measure_parameters("wlcc"),
    "concordance[wlcc_peak]": lambda: _measure_parameters("wlcc_peak"),
    "concordance[kuramoto]": lambda: _measure_parameters("kuramoto"),
    "concordance[rho]": lambda: _measure_parameters("rho"),
    "concordance[mean_pairwise]": lambda: _measure_parameters("mean_pairwise"),
    "concordance[phase_sync]": lambda: _measure_parameters("phase_sync"),
    "concordance[phase_sync_nk]": lambda: _measure_parameters("phase_sync_nk"),
    "concordance[coherence]": lambda: _measure_parameters("coherence"),
    "concordance[wavelet_coherence]": lambda: _measure_parameters("wavelet_coherence"),
    "concordance[dtw]": lambda: _measure_parameters("dtw"),
    "concordance[dtw_lag]": lambda: _measure_parameters("dtw_lag"),
    "concordance[recurrence_rate]": lambda: _measure_parameters("recurrence_rate"),
    "concordance[determinism]": lambda: _measure_parameters("determinism"),
    "concordance[mean_line]": lambda: _measure_parameters("mean_line"),
    "concordance[recurrence_profile]": lambda: _measure_parameters("recurrence_profile"),
    "concordance[susy]": lambda: _measure_parameters("susy"),
    "concordance[granger]": lambda: _measure_parameters("granger"),
    "concordance[granger_lead]": lambda: _measure_parameters("granger_lead"),
    "compute_cohort": lambda: _method_parameter() + _measure_parameters("slope"),
    "explore": lambda: _method_parameter() + _measure_parameters("slope"),
    "surrogate_test": lambda: (
        [
            _parameter("max_shift", "float | None", None),
            *_signature_parameters(concordlab.circular_shift, "session", "seed", "min_shift"),
        ]
    ),
    "surrogate_test[circular_shift]": lambda: _signature_parameters(
        concordlab.circular_shift, "session", "seed"
    ),
    "surrogate_test[segment_shuffle]": lambda: _signature_parameters(
        concordlab.segment_shuffle, "session", "seed"
    ),
    "simulate_cohort": lambda: _signature_parameters(
        concordlab.simulate_dyad, "duration", "seed", "session_id"
    ),
    "read": lambda: _signature_parameters(concordlab.read_csv, "path"),
    "read_recording": _reader_parameters,
    "remove_segment[label]": lambda: _own("remove_segment", "label"),
    "preprocess.downsample[sampling_rate]": lambda: _own("preprocess.downsample", "sampling_rate"),
    "open_cohort": lambda: _signature_parameters(
        concordlab.read_csv, "path", "sampling_rate", "channel", "session_id"
    ),
}
"""What a function's ``**kwargs`` reach (or a variant's own parameters), to vary like its own."""

# Type aliases the signatures use (their annotations are strings).
ALIASES = {
    "Channels": "str | Sequence[str] | None",
    "Columns": "str | int | Sequence[str | int] | Mapping[str, Any] | None",
    "Range": "tuple[float, float]",
}
NEGATIVE_OK = {"lag", "time_offset", "rating_correlation", "effect"}
"""Real parameters for which a negative value means something (a lag, an offset, a
correlation, a simulated effect's direction); every other number is a non-negative
quantity (seconds, counts, rates)."""
FREE_TEXT = {"label", "note", "session_id", "units", "long_name", "reader"}
"""Text parameters that may hold any non-empty string (so an unknown choice is valid)."""
EMPTY_OK = {"note", "units", "long_name", "start_time"}
"""Text parameters for which "" means "none": descriptions, and an unknown start time
(stored as "" in attrs, since netCDF cannot store None)."""
LOOKUP = {("remove_segment[label]", "label")}
"""(key, parameter) of FREE_TEXT names that look up something existing (a segment label)."""
ANY_SIZE = {"seed"}
"""Whole numbers of any size (numpy seeds a generator from any non-negative int)."""


def _split(annotation: str) -> list[str]:
    """Top-level alternatives of a union written as a string."""
    parts, depth, current = [], 0, ""
    for char in annotation:
        depth += char in "[("
        depth -= char in "])"
        if char == "|" and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return [ALIASES.get(p, p) for p in parts]


def _kind(parameter: inspect.Parameter) -> tuple[str | None, bool]:
    """What a parameter is (number, integer, bool, text, names, pair, mapping, path) and
    whether None is valid for it; None when it holds data no generated value fits."""
    annotation = parameter.annotation
    if annotation is inspect.Parameter.empty:
        annotation = type(parameter.default).__name__
    annotation = str(annotation)
    tokens = [t for token in _split(annotation) for t in _split(token)]
    optional = "None" in tokens or parameter.default is None
    first = tokens[0]
    if "PathLike" in annotation or re.search(r"\bPath\b", annotation):
        return "path", optional
    if first.startswith("Literal"):
        return "text", optional
    if first == "bool":
        return "bool", optional
    if first == "int" and "float" not in tokens:
        return "integer", optional
    if first in ("float", "int"):
        return "number", optional
    if first == "str":
        return "text", optional
    if first.startswith("Sequence[str"):
        return "names", optional
    if first.startswith("tuple["):
        return "pair", optional
    if first.startswith("Mapping"):
        return "mapping", optional
    return None, optional


DATA_PARAMETERS: dict[tuple[str, str], str] = {
    ("add_result", "result"): "the result to store (any xarray object)",
    ("compare_groups", "order"): "any sequence of the group labels",
    ("concordance", "pairs"): "pairs of the session's persons (tests/compute/test_groups.py)",
    ("plots.minmax_decimate", "time"): "an array",
    ("plots.minmax_decimate", "values"): "an array",
    ("plots.plot_concordance", "session"): "a session (checked by the session tests)",
}
"""Varied parameters whose annotation no generated value fits: data, not settings."""


class Missing:
    """A path in a folder that does not exist (made real in the fixtures' folder)."""

    def __repr__(self) -> str:
        return "missing-path"


MISSING = Missing()


def _invalid_values(key: str, parameter: inspect.Parameter) -> list[tuple[str, Any]]:
    """Generated invalid values for one parameter, as (id, value) pairs."""
    kind, optional = _kind(parameter)
    name = parameter.name
    none = [] if optional else [("None", None)]
    if kind in ("number", "integer"):
        values = [("'4'", "4"), ("True", True), *none, ("nan", math.nan), ("inf", math.inf)]
        if name not in NEGATIVE_OK:
            values.append(("-1.0", -1.0))
        if name not in ANY_SIZE:
            values.append(("10**30", 10**30))
        if kind == "integer":
            values.append(("1.5", 1.5))
        return values
    if kind == "bool":
        return [("'yes'", "yes"), ("2", 2), *none]
    if kind == "text":
        values = [("5", 5), *none]
        if name not in EMPTY_OK:
            values.append(("''", ""))
        if name not in FREE_TEXT or (key, name) in LOOKUP:
            values.append(("'no-such-choice'", "no-such-choice"))
        return values
    if kind == "names":
        return [("5", 5), *none, ("[]", []), ("[5]", [5])]
    if kind == "pair":
        return [("'4'", "4"), *none, ("(nan, 1.0)", (math.nan, 1.0)), ("(1.0,)", (1.0,))]
    if kind == "mapping":
        return [("5", 5), *none]
    if kind == "path":
        return [("5", 5), *none, ("''", ""), ("missing-path", MISSING)]
    return []


def _varied(key: str) -> list[inspect.Parameter]:
    """The parameters a key's cases vary: not those its base passes positionally, nor
    those a variant ``key[...]`` varies (the other of two exclusive parameters)."""
    if "[" in key:
        return KWARGS[key]()
    function = _function(key)
    args, _ = BASE[key](_SIGNATURE_ONLY)
    positional = set(inspect.signature(function).bind_partial(*args).arguments)
    elsewhere = {p.name for k in KWARGS if k.startswith(f"{key}[") for p in KWARGS[k]()}
    own = [
        p
        for p in _signature_parameters(function)
        if p.name not in positional and p.name not in elsewhere
    ]
    return own + KWARGS.get(key, lambda: [])()


def _own(key: str, *names: str) -> list[inspect.Parameter]:
    """Parameters of a function's own signature (for a variant giving the other of two
    exclusive parameters)."""
    return [p for p in _signature_parameters(_function(key)) if p.name in names]


class _Placeholder:
    """Fixtures stand-in for reading the shape of a base call without building anything."""

    def __getattr__(self, name: str) -> Any:
        return self

    def __getitem__(self, index: Any) -> Any:
        return self

    def __truediv__(self, other: Any) -> Any:
        return self


_SIGNATURE_ONLY: Any = _Placeholder()

# --------------------------------------------------------------------------- allowlists

VALID: dict[tuple[str, str, str], str] = {
    ("add_result", "name", "'no-such-choice'"): "a new result's name is free",
    ("read", "channel", "'no-such-choice'"): "names the channel read",
    ("read_csv", "channel", "'no-such-choice'"): "names the channel read",
    ("read_recording", "channel", "'no-such-choice'"): "names the channel read",
    ("save", "path", "missing-path"): "save writes a new file (and its folder)",
    ("write_events_tsv", "path", "missing-path"): "writes a new file (and its folder)",
    ("explore", "sidecar", "missing-path"): "the sidecar is a file to write",
    ("open_cohort", "channel", "'no-such-choice'"): "names the channel of text recordings",
    ("read_recording", "person", "'no-such-choice'"): "names the person recorded",
    ("preprocess.heart_rate", "new_channel", "'no-such-choice'"): "names the channel added",
    ("attach_video", "name", "'no-such-choice'"): "a new video's name is free",
    ("attach_video", "offset", "-1.0"): "a video started after the signals",
    ("export_review", "out_dir", "missing-path"): "a new review folder is created",
    ("export_review", "key", "missing-path"): "the key is a new file (and its folder)",
    ("set_video_offset", "offset", "-1.0"): "a video started after the signals",
    ("simulate_video", "offset", "-1.0"): "a video started after the signals",
    ("rmea_psychotherapy", "path", "''"): "documented: path is the first folder searched",
    ("rmea_psychotherapy", "path", "missing-path"): "documented: path is the first folder searched",
    ("preprocess.mask_artefacts", "max_jump", "10**30"): "a threshold: huge means no jump check",
    **{
        ("open_cohort", parameter, value_id): "a column name or position: only a file can say "
        "whether it has it (checked, naming the parameter, when the file is read)"
        for parameter in ("time_column", "columns")
        for value_id in ("5", "'no-such-choice'")
    },
}
"""Generated values that are valid for one function's parameter: (key, parameter, value id)."""

FILE_CHECKED = {
    *((key, "time_column") for key in ("read", "read_csv", "read_recording")),
    ("read_recording", "columns"),
}
"""(key, parameter) whose well-formed value only a file can refuse (a column it does not have):
a FileFormatError naming the parameter (and the file) keeps the contract."""

NUMBERS = ("'4'", "True", "None", "nan", "inf", "-1.0", "10**30")
_VIOLATED: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
VIOLATIONS: dict[tuple[str, str, str], str] = {
    (key, parameter, value_id): reason
    for reason, cases in _VIOLATED.items()
    for key, parameter, value_ids in cases
    for value_id in value_ids
}
"""Known contract violations in package code, run as strict xfails until fixed."""

UNKNOWN_VIOLATIONS: dict[str, str] = {}
"""Functions taking ``**kwargs`` whose unknown keyword is not a ValidationError."""


# --------------------------------------------------------------------------- running


def _call(fixtures: Fixtures, key: str, /, **overrides: Any) -> Any:
    args, kwargs = BASE[key](fixtures)
    with warnings.catch_warnings(), time_limit(TIMEOUT):
        warnings.simplefilter("ignore")
        return _function(key)(*args, **{**kwargs, **overrides})


def _takes_kwargs(function: Callable[..., Any]) -> bool:
    return any(p.kind is p.VAR_KEYWORD for p in inspect.signature(function).parameters.values())


def _names(message: str, name: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", message) is not None


def _cases() -> Iterator[Any]:
    for key in BASE:
        for parameter in _varied(key):
            for value_id, value in _invalid_values(key, parameter):
                case = (key, parameter.name, value_id)
                if case in VALID:
                    continue
                marks = ()
                if case in VIOLATIONS:
                    marks = pytest.mark.xfail(strict=True, reason=VIOLATIONS[case])
                yield pytest.param(
                    key, parameter.name, value, id=f"{key}-{parameter.name}={value_id}", marks=marks
                )


CASES = list(_cases())

# --------------------------------------------------------------------------- tests


def test_every_public_function_is_covered():
    names = _public_names()
    uncovered = [n for n, v in names.items() if n not in SKIP and _covered_by(n, v) is None]
    assert not uncovered, (
        f"public functions without a base call in BASE or a SKIP reason: {uncovered}"
    )
    skipped_functions = [n for n in SKIP if n in names and inspect.isfunction(names[n])]
    assert not skipped_functions, f"functions must not be skipped: {skipped_functions}"
    stale = [n for n in SKIP if n not in names]
    stale += [k for k in BASE if k.split("[")[0] not in names]
    assert not stale, f"SKIP or BASE names that are not public: {stale}"
    assert set(KWARGS) <= set(BASE)
    reached = {key.split("[")[0] for key in KWARGS}
    for key in BASE:
        if _takes_kwargs(_function(key)):
            assert key.split("[")[0] in reached, f"{key}: say in KWARGS what its **kwargs reach"
    from concordlab.compute.registry import measure_names

    missing = [m for m in measure_names() if f"concordance[{m}]" not in BASE]
    assert not missing, f"registered measures without a concordance[...] base call: {missing}"


def test_every_parameter_gets_generated_values():
    untyped = {
        (key, p.name): str(p.annotation)
        for key in BASE
        for p in _varied(key)
        if _kind(p)[0] is None
    }
    assert set(untyped) == set(DATA_PARAMETERS), (
        f"parameters no invalid value is generated for: {untyped}; teach _kind their "
        "annotation, or list them in DATA_PARAMETERS"
    )


def test_the_allowlists_name_real_cases():
    generated = {
        (key, p.name, value_id)
        for key in BASE
        for p in _varied(key)
        for value_id, _ in _invalid_values(key, p)
    }
    assert not (set(VALID) - generated), set(VALID) - generated
    assert not (set(VIOLATIONS) - generated), set(VIOLATIONS) - generated
    assert not (set(VALID) & set(VIOLATIONS))
    assert set(UNKNOWN_VIOLATIONS) <= set(BASE)


@pytest.mark.parametrize("key", list(BASE))
def test_base_call_is_valid(fixtures, key):
    _call(fixtures, key)


@pytest.mark.parametrize(("key", "parameter", "value"), CASES)
def test_invalid_value_is_refused_naming_the_parameter(fixtures, key, parameter, value):
    path_like = _kind(next(p for p in _varied(key) if p.name == parameter))[0] == "path"
    if value is MISSING:
        value = fixtures.missing
    expected: Any = ConcordlabError if path_like else ValidationError
    if (key, parameter) in FILE_CHECKED:
        expected = (ValidationError, FileFormatError)
    try:
        _call(fixtures, key, **{parameter: value})
    except expected as error:
        message = str(error)
        named = _names(message, parameter) or (value is fixtures.missing and value.name in message)
        assert named, f"{type(error).__name__} does not name {parameter}: {message}"
    except Exception as error:
        wanted = " or ".join(
            e.__name__ for e in (expected if isinstance(expected, tuple) else (expected,))
        )
        pytest.fail(f"{type(error).__name__} instead of {wanted}: {error}")
    else:
        pytest.fail(f"{parameter}={value!r} was accepted")


UNKNOWN = "no_such_parameter"


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(k, marks=pytest.mark.xfail(strict=True, reason=UNKNOWN_VIOLATIONS[k]))
        if k in UNKNOWN_VIOLATIONS
        else k
        for k in BASE
        if "[" not in k
    ],
)
def test_unknown_keyword_is_refused(fixtures, key):
    function = _function(key)
    takes_kwargs = _takes_kwargs(function)
    expected = ValidationError if takes_kwargs else (TypeError, ValidationError)
    with pytest.raises(expected) as info:
        _call(fixtures, key, **{UNKNOWN: 1})
    if takes_kwargs:
        assert _names(str(info.value), UNKNOWN), str(info.value)


def test_a_parameter_the_method_does_not_take_is_refused(fixtures):
    with pytest.raises(ValidationError) as info:
        concordlab.concordance(
            fixtures.session, method="pearson", slope_window=-3, max_lag=-1, peak_search="x"
        )
    message = str(info.value)
    assert _names(message, "slope_window"), message
    assert "'slope'" in message, message  # says which method takes it
