"""Fuzz read_bids_physio on a BIDS dataset folder: sidecars scattered over the tree.

Each case writes a small dataset (two subjects, optional sessions and runs) whose physio
sidecars lie at random levels, named with random subsets of the data files' entities (some
with an entity the data lacks, another suffix or another task), with random, sometimes
invalid, contents. The reader must raise ConcordlabError or return what an independent
resolution of the BIDS inheritance principle, written here from the specification's rules,
says: the files chosen by the entities, their merged sidecar (root first, most specific
last; at most one applicable file per folder) and the samples written.
"""

import gzip
import json
import math
from pathlib import Path
from typing import Any

import cases
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import concordlab

RATES = (8, 4, 8.0, 16, "8", 0, -4, None, math.nan, 10**400, True)
STARTS = (0, -1.5, 2.0, 0.25, "0", math.inf, 1e300, None)
COLUMNS = (["eda"], ["EDA"], ["eda", "ppg"], [], "eda", [5], None)


def _entities(name: str) -> tuple[dict[str, str], str, str]:
    """``(entities, suffix, extension)`` of a well-formed BIDS file name."""
    stem, _, rest = name.partition(".")
    *parts, suffix = stem.split("_")
    return dict(p.split("-", 1) for p in parts), suffix, "." + rest


def _resolve(root: Path, data: Path) -> list[Path] | str:
    """The spec's rules 2 and 4 for ``data``'s ``physio.json`` sidecars, root first."""
    own, suffix, _ = _entities(data.name)
    folders = [root, *reversed([p for p in data.parents if root in p.parents])]
    chain = []
    for folder in folders:
        applicable = []
        for file in sorted(folder.iterdir()):
            if not file.is_file() or not file.name.endswith(".json"):
                continue
            if file.name == "dataset_description.json":
                continue
            entities, their_suffix, extension = _entities(file.name)
            if extension == ".json" and their_suffix == suffix:
                if all(own.get(k) == v for k, v in entities.items()):
                    applicable.append(file)
        if len(applicable) > 1:
            return f"rule 4: {[p.name for p in applicable]}"
        chain += applicable
    return chain


def _expected(root: Path, data: Path, texts: dict[Path, str]) -> Any:
    chain = _resolve(root, data)
    if isinstance(chain, str):
        return chain
    if not chain:
        return "no sidecar applies"
    merged: dict[str, Any] = {}
    for file in chain:
        try:
            value = json.loads(texts[file])
        except ValueError:
            return f"{file.name} is not JSON"
        if not isinstance(value, dict):
            return f"{file.name} is not an object"
        merged.update(value)
    meta = cases._expected_sidecar(json.dumps(merged), 1)
    if isinstance(meta, str):
        return meta
    units = merged.get(meta[2][0])
    return meta, units.get("Units") if isinstance(units, dict) else None


def dataset_case(chooser: cases.Chooser, root: Path) -> cases.Case:
    """Two subjects' physio files in a dataset, sidecars at random levels of the tree."""
    if chooser.flag(0.95):
        (root / "dataset_description.json").write_text('{"Name": "fuzz", "BIDSVersion": "1.10"}')
    session = chooser.choice([None, "1"])
    runs = chooser.choice([[None], ["1"], ["1", "2"], ["01", "02"]])
    files: dict[str, list[Path]] = {}
    written: dict[Path, np.ndarray] = {}
    for sub in ("01", "02"):
        folder = root / f"sub-{sub}" / (f"ses-{session}" if session else "") / "beh"
        folder.mkdir(parents=True)
        files[sub] = []
        for run in runs:
            entities = [f"sub-{sub}", f"ses-{session}" if session else "", "task-fuzz"]
            entities.append(f"run-{run}" if run else "")
            path = folder / ("_".join(e for e in entities if e) + "_physio.tsv.gz")
            rng = np.random.default_rng(chooser.seed())
            values = np.round(rng.normal(2, 0.5, chooser.integer(20, 60)), 4)
            path.write_bytes(gzip.compress("".join(f"{float(v)!r}\n" for v in values).encode()))
            files[sub].append(path)
            written[path] = values
    texts: dict[Path, str] = {}
    notes = []
    if chooser.flag(0.8):  # the usual dataset: one complete sidecar at the root
        base = {"SamplingFrequency": 8, "StartTime": 0, "Columns": ["eda"]}
        texts[root / "task-fuzz_physio.json"] = json.dumps(base)
        (root / "task-fuzz_physio.json").write_text(json.dumps(base))
        notes.append(f"task-fuzz_physio.json: {json.dumps(base)}")
    for _ in range(chooser.integer(0, 4)):
        sub = chooser.choice(["01", "02"])
        levels = [root, root / f"sub-{sub}"]
        if session:
            levels.append(root / f"sub-{sub}" / f"ses-{session}")
        levels.append(files[sub][0].parent)
        level = chooser.choice(levels)
        parts = [
            f"sub-{sub}" if chooser.flag(0.5 if level != root else 0.1) else "",
            f"ses-{session}" if session and chooser.flag() else "",
            chooser.choice(["task-fuzz", "task-fuzz", "", "task-other"]),
            f"run-{chooser.choice(runs)}" if runs[0] and chooser.flag(0.3) else "",
            "acq-x" if chooser.flag(0.1) else "",
        ]
        suffix = chooser.choice(["physio", "physio", "physio", "physioevents", "bold"])
        name = "_".join([p for p in parts if p] + [suffix]) + ".json"
        sidecar: dict[str, Any] = {}
        for key, options in (
            ("SamplingFrequency", RATES),
            ("StartTime", STARTS),
            ("Columns", COLUMNS),
        ):
            if chooser.flag(0.4):
                value = options[0] if chooser.flag(0.6) else chooser.choice(options)
                if value is not None:
                    sidecar[key] = value
        if chooser.flag(0.2):
            sidecar["eda"] = {"Units": chooser.choice(["uS", "mS", 5])}
        text = json.dumps(sidecar, allow_nan=True)
        if chooser.flag(0.05):
            text = chooser.choice(["", "[1]", text[:-1]])
        (level / name).write_text(text)
        texts[level / name] = text
        notes.append(f"{(level / name).relative_to(root).as_posix()}: {cases.short(text, 120)}")
    run = chooser.choice([None, runs[0]]) if runs[0] else None
    options = {"subjects": ("01", "02"), "task": "fuzz", "run": run}
    if session and chooser.flag(0.5):
        options["session"] = session
    label = f"read_bids_physio(root, {options}) with runs {runs}, sidecars " + "; ".join(notes)

    def call() -> Any:
        return concordlab.read_bids_physio(root, events=False, start_time="", **options)

    def verify(session_read: Any) -> None:
        cases.check_session(session_read)
        cases.check((root / "dataset_description.json").is_file(), "read a folder without root")
        chosen = []
        for sub in ("01", "02"):
            matching = [
                p for p in files[sub] if run is None or f"_run-{run}_" in p.name.replace(".", "_")
            ]
            cases.check(len(matching) == 1, f"read sub-{sub} although {len(matching)} files match")
            chosen.append(matching[0])
        expected = [_expected(root, path, texts) for path in chosen]
        reasons = [e for e in expected if isinstance(e, str)]
        cases.check(not reasons, f"read although {reasons}")
        rates = {e[0][0] for e in expected}
        cases.check(len(rates) == 1, f"read persons at different rates {rates}")
        time, values, attrs = cases.channel_data(session_read, expected[0][0][2][0])
        got = float(attrs["sampling_rate"])
        cases.check(got in rates, f"sampling_rate {got}, the merged sidecars say {rates}")
        units = [e[1] for e in expected]
        if isinstance(units[0], str) and units[0] == units[1]:
            cases.check(attrs["units"] == units[0], f"units {attrs['units']!r} not {units[0]!r}")
        for person, ((meta, _), path) in enumerate(zip(expected, chosen, strict=True)):
            stamps = meta[1] + np.arange(written[path].size) / got
            cases.check_placed(time, values[person], stamps, written[path], got, path.name)

    return cases.Case("read_bids_physio(dataset)", label, call, verify)


@cases.FUZZ_SETTINGS
@given(data=st.data())
def test_read_bids_physio_dataset_fuzz(data, scratch):
    case = dataset_case(cases.Chooser(draw=data.draw), scratch())
    cases.assert_ok(case)


def test_read_bids_physio_dataset_seeds(scratch):
    """A fixed spread of seeds, so every run covers reads that succeed and that fail."""
    outcomes = set()
    for seed in range(60):
        result = cases.assert_ok(dataset_case(cases.Chooser(seed=seed), scratch()))
        outcomes.add(result.outcome)
    assert outcomes == {cases.OK, cases.ERROR}
