"""Cohorts: opening folders and sessions lazily, computing over them with dask."""

import shutil
import warnings

import numpy as np
import pandas as pd
import pytest

import concordlab
from concordlab.cohort import compute_cohort, open_cohort

RMEA = {"sampling_rate": 25, "channel": "motion"}
WLCC = {"window": 30, "step": 10, "max_lag": 5}


@pytest.fixture(scope="module")
def rmea_folder(data_dir):
    return data_dir / "rmea-psychotherapy"


@pytest.fixture(scope="module")
def rmea_cohort(rmea_folder):
    return open_cohort(rmea_folder, **RMEA)


@pytest.fixture(scope="module")
def simulated():
    return concordlab.simulate_cohort(6, duration=240, channels="eda", seed=11)


def test_rmea_layout_gives_groups_ids_and_numbers(rmea_cohort):
    table = rmea_cohort.table
    assert len(rmea_cohort) == 20 and rmea_cohort.groups == ["dropout", "normal"]
    assert (table["group"].value_counts() == 10).all()
    assert table.loc["dropout/100_01", "dyad"] == "100"
    assert table["session_number"].eq(1).all()


def test_rmea_cohort_values_equal_single_session_results(rmea_cohort):
    # The single-session reference goes through the public reader, not the cohort code.
    single = concordlab.rmea_psychotherapy()
    for measure in ("wlcc_grand_mean", "index"):
        params = WLCC if measure == "wlcc_grand_mean" else {"window": 30}
        result = compute_cohort(rmea_cohort, measure, progress=False, **params)
        assert result.values.sizes["session"] == 20 and result.errors.empty
        for key, session in single.items():
            if measure == "index":
                expected = concordlab.concordance_index(concordlab.concordance(session, window=30))
            else:
                summary = concordlab.wlcc_summary(concordlab.wlcc(session, **WLCC))
                expected = summary["grand_mean"]
            assert float(result.values.sel(session=key)) == float(expected), key


def test_series_results_stack_on_a_session_dimension(rmea_cohort):
    subset = rmea_cohort.select(["normal/200_01", "dropout/100_01"])
    result = subset.compute("wlcc", progress=False, **WLCC)
    assert result.values.dims == ("session", "time", "lag")
    expected = concordlab.wlcc(subset["dropout/100_01"], **WLCC)
    np.testing.assert_array_equal(result.values.sel(session="dropout/100_01"), expected)
    assert list(result.values["group"].values) == ["normal", "dropout"]
    frame = result.to_frame()
    assert len(frame) == 2 * expected.size
    assert {"session", "time", "lag", "wlcc", "group", "dyad"} <= set(frame.columns)


def test_pseudo_dyad_counts_match_rmea(rmea_cohort):
    # rMEA (Kleinbub & Ramseyer) report 760 pseudo pairs for its 20 dyads when roles
    # are not kept; with roles kept each patient meets the 19 other therapists.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # some sessions are trimmed
        assert len(rmea_cohort.pseudo_dyads(keep_roles=False)) == 760
        pseudo = rmea_cohort.pseudo_dyads(keep_roles=True)
    assert len(pseudo) == 380
    assert (pseudo.table["first"] != pseudo.table["second"]).all()
    within = pseudo.table["group"].value_counts()
    assert within.to_dict() == {"dropout": 90, "normal": 90}  # 200 mixed pairs have no group
    real = rmea_cohort.compute("index", window=30, progress=False)
    fake = pseudo.select(pseudo.table.index[:40]).compute("index", window=30, progress=False)
    assert np.isfinite(real.values).all() and np.isfinite(fake.values).all()


def test_saved_sessions_in_group_folders(simulated, tmp_path):
    for i, (key, session) in enumerate(simulated.items()):
        group = "pre" if i < 3 else "post"
        concordlab.save(session, tmp_path / group / f"{key}.nc")
    concordlab.save(simulated["dyad-01"], tmp_path / "extra.zarr")
    cohort = open_cohort(tmp_path)
    assert sorted(cohort) == sorted(
        [f"{'pre' if i < 3 else 'post'}/{k}" for i, k in enumerate(simulated)] + ["extra"]
    )
    result = cohort.compute("index", progress=False)
    for key in simulated:
        group = "pre" if key <= "dyad-03" else "post"
        expected = concordlab.concordance_index(concordlab.concordance(simulated[key]))
        assert float(result.values.sel(session=f"{group}/{key}")) == float(expected)
    assert float(result.values.sel(session="extra")) == float(
        result.values.sel(session="pre/dyad-01")
    )


def test_ratings_join_on_session_or_dyad(rmea_cohort, tmp_path):
    by_dyad = pd.DataFrame({"dyad": ["100", "200", "999"], "alliance": [3.0, 5.0, 1.0]})
    path = tmp_path / "ratings.tsv"
    by_dyad.to_csv(path, sep="\t", index=False)
    with pytest.warns(UserWarning, match="18 session"):
        joined = open_cohort(rmea_cohort.table["path"].tolist(), ratings=path, **RMEA)
    assert joined.table.loc["100_01", "alliance"] == 3.0
    assert np.isnan(joined.table.loc["101_01", "alliance"])
    by_session = pd.DataFrame(
        {"empathy": np.arange(20.0), "group": ["x"] * 20}, index=rmea_cohort.table.index
    )
    folder = rmea_cohort.table["path"].iloc[0].rsplit("/", 2)[0]
    joined = open_cohort(folder, ratings=by_session, **RMEA)
    assert joined.table["empathy"].tolist() == list(np.arange(20.0))
    assert (joined.table["group"] == "x").all()  # a group column overrides the folders
    with pytest.raises(concordlab.ValidationError, match="No rating matches"):
        open_cohort(folder, ratings=pd.DataFrame({"x": [1]}, index=["nobody"]), **RMEA)


def test_simulated_cohort_keeps_its_ratings(simulated):
    cohort = open_cohort(simulated)
    assert cohort.table["true_coupling"].equals(simulated.ratings["true_coupling"])
    result = cohort.compute("index", progress=False)
    assert "simulated_empathy" in result.values.coords
    frame = result.to_frame()
    assert frame.set_index("session")["simulated_empathy"].equals(
        simulated.ratings["simulated_empathy"]
    )


def test_a_failing_session_is_reported_and_does_not_stop_the_rest(rmea_folder, tmp_path):
    shutil.copytree(rmea_folder / "normal", tmp_path / "normal")
    (tmp_path / "normal" / "999_01.txt").write_text("not a number\n1 2 3\n")
    cohort = open_cohort(tmp_path, **RMEA)
    with pytest.warns(UserWarning, match=r"1 of 11 session\(s\) failed.*normal/999_01"):
        result = cohort.compute("index", progress=False)
    assert result.values.sizes["session"] == 10
    assert result.errors.index.tolist() == ["normal/999_01"]
    assert "FileFormatError" in result.errors.loc["normal/999_01", "error"]


def test_progress_bar_counts_sessions(simulated, capsys):
    compute_cohort(simulated, "index", progress=True)
    assert "6/6" in capsys.readouterr().err


def test_schedulers_agree_threads_synchronous(simulated):
    threads = compute_cohort(simulated, "index", progress=False)
    serial = compute_cohort(simulated, "index", scheduler="synchronous", progress=False)
    assert threads.values.equals(serial.values)


@pytest.mark.slow
def test_distributed_local_cluster_with_processes_gives_the_same_numbers(rmea_cohort):
    distributed = pytest.importorskip("distributed")
    threaded = compute_cohort(rmea_cohort, "wlcc_grand_mean", progress=False, **WLCC)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        # The active client is used without being named ...
        on_cluster = compute_cohort(rmea_cohort, "wlcc_grand_mean", progress=False, **WLCC)
        # ... and a scheduler address works too.
        by_address = compute_cohort(
            rmea_cohort,
            "wlcc_grand_mean",
            progress=False,
            scheduler=cluster.scheduler_address,
            **WLCC,
        )
        assert client.run(lambda: 1)  # the work ran in separate worker processes
    assert on_cluster.values.equals(threaded.values)
    assert by_address.values.equals(threaded.values)


def _always_fails(session, channel, **params):
    raise concordlab.ValidationError("this measure fails on purpose")


def test_bad_input_is_explained(tmp_path, simulated):
    with pytest.raises(concordlab.ValidationError, match="does not exist"):
        open_cohort(tmp_path / "nowhere")
    with pytest.raises(concordlab.ValidationError, match="No sessions"):
        open_cohort(tmp_path)
    with pytest.raises(concordlab.ValidationError, match="Unknown measure"):
        compute_cohort(simulated, "sync")
    with pytest.raises(concordlab.ValidationError, match="scheduler must be"):
        compute_cohort(simulated, "index", scheduler="gpu", progress=False)
    with pytest.raises(concordlab.ValidationError, match="one session"):
        open_cohort(simulated["dyad-01"])
    with pytest.raises(concordlab.ValidationError, match="failed on every session"):
        compute_cohort(simulated, _always_fails, progress=False)
    # Parameters are checked once, before any session is read.
    with pytest.raises(concordlab.ValidationError, match="window must be") as refused:
        compute_cohort(simulated, "index", window=-1, progress=False)
    assert "failed on every session" not in str(refused.value)
    with pytest.raises(concordlab.ValidationError, match="is a parameter of method 'slope'"):
        compute_cohort(simulated, "index", method="pearson", slope_window=5, progress=False)
    with pytest.raises(concordlab.ConcordlabError, match="Cannot reach"):
        compute_cohort(simulated, "index", scheduler="tcp://127.0.0.1:9", progress=False)


def test_real_vs_pseudo_runs_end_to_end_on_rmea(rmea_cohort):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # some sessions are trimmed
        result = rmea_cohort.real_vs_pseudo(
            "wlcc_grand_mean", progress=False, n_permutations=2000, seed=0, **WLCC
        )
        real = rmea_cohort.compute("wlcc_grand_mean", progress=False, **WLCC).values
    assert (result.n_real, result.n_pseudo) == (20, 380)
    assert result.null_method == "re-pairing" and result.null.size == 2000
    assert result.mean_real == pytest.approx(float(real.mean()))
    assert 1 / 2001 <= result.p_value <= 1
    # Pseudo values are the ones a direct computation on a pseudo-dyad session gives.
    first, second = result.pseudo_ids[0].split("+")  # the first person's dyad + the second's
    pairs = concordlab.pseudo_dyads({k: rmea_cohort[k] for k in (first, second)})
    (session,) = [s for key, s in pairs.items() if key.startswith(f"{first}:")]
    direct = concordlab.wlcc_summary(concordlab.wlcc(session, **WLCC))["grand_mean"]
    assert result.pseudo[0] == pytest.approx(float(direct))
    assert len(result.plot().data) >= 2


def test_real_vs_pseudo_needs_one_number_per_session(simulated):
    cohort = open_cohort(simulated)
    with pytest.raises(concordlab.ValidationError, match="one number per session"):
        cohort.real_vs_pseudo("concordance", window=15, progress=False)


def by_talk_turn(session, channel, **params):
    """Mean concordance per talk turn of each person: a measure with a ``group`` dimension."""
    result = concordlab.concordance(session, channel, **params)
    by_turn = concordlab.by_segment(session, result, "talk", n_boot=0)["mean"]
    return by_turn.rename(condition="group")


def by_condition(session, channel, **params):
    result = concordlab.concordance(session, channel, **params)
    return concordlab.by_segment(session, result, "talk", n_boot=0)["mean"]


def test_by_segment_no_longer_clashes_with_the_group_column(simulated):
    cohort = open_cohort(
        simulated, ratings=pd.DataFrame({"group": ["a"] * 6}, index=list(simulated))
    )
    result = cohort.compute(by_condition, window=15, progress=False)
    assert result.values.dims == ("session", "condition")
    assert set(result.values["group"].values) == {"a"}


def test_a_measure_with_a_group_dimension_keeps_its_labels(simulated):
    cohort = open_cohort(
        simulated, ratings=pd.DataFrame({"group": ["a"] * 6}, index=list(simulated))
    )
    result = cohort.compute(by_talk_turn, window=15, progress=False)
    assert result.values.dims == ("session", "group")
    assert list(result.values["group"].values) == ["talk (patient)", "talk (therapist)"]
    frame = result.to_frame()
    assert {"group", "session_group", "by_talk_turn"} <= set(frame.columns)
    assert set(frame["group"]) == {"talk (patient)", "talk (therapist)"}
    assert set(frame["session_group"]) == {"a"}
    direct = by_talk_turn(simulated["dyad-02"], None, window=15)
    np.testing.assert_array_equal(result.values.sel(session="dyad-02"), direct)


def test_concordance_series_keep_their_window_bounds(simulated):
    result = open_cohort(simulated).compute("concordance", window=15, progress=False)
    series = result.values.sel(session="dyad-03")
    assert {"window_start", "window_end"} <= set(series.coords)
    direct = concordlab.concordance(simulated["dyad-03"], window=15)
    found = concordlab.moments(series.dropna("time").rename(direct.name), n=2)
    expected = concordlab.moments(direct, n=2)
    pd.testing.assert_frame_equal(found.reset_index(drop=True), expected.reset_index(drop=True))


def test_default_scheduler_suits_the_sources(simulated, rmea_folder, tmp_path):
    from concordlab.cohort import PROCESSES_FROM, _local_default

    assert _local_default(open_cohort(simulated)._sources.values()) == "threads"
    assert _local_default(open_cohort(rmea_folder, **RMEA)._sources.values()) == "threads"
    paths = [concordlab.save(simulated["dyad-01"], tmp_path / f"s{i}.nc") for i in range(3)]
    saved = open_cohort(paths)._sources
    assert _local_default(saved.values()) == "synchronous"
    many = list(saved.values()) * PROCESSES_FROM
    assert _local_default(many) == "processes"


def test_cohorts_run_on_one_thread_in_pyodide(monkeypatch):
    from concordlab import cohort

    sources = open_cohort(concordlab.simulate_cohort(2, duration=30))._sources
    assert cohort._local_default(sources.values()) == "threads"
    monkeypatch.setattr("sys.platform", "emscripten")
    assert cohort._local_default(sources.values()) == "synchronous"


# --------------------------------------------------------------------------- strict input


@pytest.fixture(scope="module")
def small_cohort():
    return open_cohort(concordlab.simulate_cohort(3, duration=60, channels="eda", seed=3))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("session,empathy\ndyad-01,3\n".encode("utf-16"), "not text in UTF-8.*save"),
        ("session,empathy\ndyad-01,Müller\n".encode("latin-1"), "not text in UTF-8.*save"),
        (b"", "is empty"),
        (b"session,empathy\n", "has a header but no rows"),
        (b"session,empathy,empathy\ndyad-01,3,4\n", r"\['empathy'\] appear more than once"),
        (b"session,empathy\ndyad-01,3\ndyad-02,4,5,6\n", "not a valid table"),
        (b"session,empathy\ndyad-01,3,1\ndyad-02,4,5\n", "more cells than the header"),
    ],
)
def test_bad_ratings_files_are_file_format_errors(tmp_path, small_cohort, content, message):
    sessions = {key: session for key, session in small_cohort.items()}
    path = tmp_path / "ratings.csv"
    path.write_bytes(content)
    with pytest.raises(concordlab.FileFormatError, match=message) as info:
        open_cohort(sessions, ratings=path)
    assert "ratings.csv" in str(info.value)


def test_ratings_with_a_byte_order_mark(tmp_path, small_cohort):
    sessions = {key: session for key, session in small_cohort.items()}
    path = tmp_path / "ratings.csv"
    path.write_bytes(b"\xef\xbb\xbfsession,empathy\r\ndyad-01,3\r\ndyad-02,4\r\ndyad-03,5\r\n")
    joined = open_cohort(sessions, ratings=path)
    assert joined.table["empathy"].tolist() == [3, 4, 5]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c, p: open_cohort(p, sampling_rate="25"), "sampling_rate must be a real number"),
        (lambda c, p: open_cohort(p, sampling_rate=0), "sampling_rate must be a real number"),
        (lambda c, p: open_cohort(p, rate=25), r"unknown option\(s\) \['rate'\]"),
        (lambda c, p: open_cohort(p, channel=5), "channel must be"),
        (lambda c, p: open_cohort(p, on="person"), "on must be one of"),
        (lambda c, p: open_cohort(p, ratings=5), "ratings must be a DataFrame"),
        (lambda c, p: open_cohort(dict(c.items()), ratings=p), "is a folder"),
        (lambda c, p: open_cohort(""), "sessions must be the path"),
        (lambda c, p: open_cohort(None), "sessions must be"),
        (lambda c, p: open_cohort([p, None]), "not a mix"),
        (lambda c, p: compute_cohort(c, progress="no"), "progress must be True or False"),
        (lambda c, p: compute_cohort(c, channel=3, progress=False), "channel must be"),
        (lambda c, p: c.select(5), "select needs"),
        (lambda c, p: c.select(np.array([True])), "one value per session"),
        (lambda c, p: c.select([["dyad-01"]]), "not in the cohort"),
        (lambda c, p: c.pseudo_dyads(keep_roles="yes"), "keep_roles must be True or False"),
    ],
)
def test_bad_cohort_arguments_are_validation_errors(tmp_path, small_cohort, call, message):
    with pytest.raises(concordlab.ValidationError, match=message):
        call(small_cohort, tmp_path)


def test_the_old_name_fs_still_works_with_a_warning(rmea_folder):
    folder = rmea_folder
    with pytest.warns(FutureWarning, match="renamed open_cohort\\(sampling_rate"):
        old = open_cohort(folder, fs=25, channel="motion")
    assert old.table.equals(open_cohort(folder, **RMEA).table)
