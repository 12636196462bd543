"""The concordlab command: batch runs, outputs and exit codes."""

import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import concordlab
from concordlab.cli import EXIT_FAILED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, main

RMEA = ["--sampling-rate", "25", "--channel", "motion"]


@pytest.fixture(scope="module")
def rmea_folder(data_dir):
    return data_dir / "rmea-psychotherapy"


def test_batch_on_rmea_writes_the_single_session_values(rmea_folder, tmp_path):
    out = tmp_path / "out" / "rmea.csv"
    args = ["batch", str(rmea_folder), *RMEA, "--measure", "wlcc_grand_mean"]
    args += ["--window", "30", "--step", "10", "--max-lag", "5", "--out", str(out), "--quiet"]
    assert main(args) == EXIT_OK
    table = pd.read_csv(out).set_index("session")
    assert len(table) == 20 and set(table["group"]) == {"normal", "dropout"}
    for key, session in concordlab.rmea_psychotherapy().items():
        summary = concordlab.wlcc_summary(concordlab.wlcc(session, window=30, step=10, max_lag=5))
        assert table.loc[key, "wlcc_grand_mean"] == pytest.approx(
            float(summary["grand_mean"]), rel=1e-12
        )


def test_partial_failure_exits_1_and_lists_the_session(rmea_folder, tmp_path, capsys):
    shutil.copytree(rmea_folder / "dropout", tmp_path / "data" / "dropout")
    (tmp_path / "data" / "dropout" / "bad_01.txt").write_text("a b\nc d\n")
    out, errors = tmp_path / "index.csv", tmp_path / "errors.csv"
    code = main(
        ["batch", str(tmp_path / "data"), *RMEA, "--out", str(out), "--errors", str(errors)]
    )
    assert code == EXIT_PARTIAL
    assert "FAILED dropout/bad_01" in capsys.readouterr().err
    assert len(pd.read_csv(out)) == 10
    assert pd.read_csv(errors)["session"].tolist() == ["dropout/bad_01"]


def test_bad_input_exits_2_and_nothing_computed_exits_3(tmp_path, rmea_folder, capsys):
    assert main(["batch", str(tmp_path / "missing"), "--out", str(tmp_path / "x.csv")]) == (
        EXIT_USAGE
    )
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["batch", str(tmp_path / "empty")]) == EXIT_USAGE
    # Text recordings without a sampling rate: every session fails.
    code = main(["batch", str(rmea_folder / "normal"), "--quiet", "--out", str(tmp_path / "y")])
    assert code == EXIT_FAILED and not (tmp_path / "y").exists()
    assert "failed on every session" in capsys.readouterr().err
    code = main(["batch", str(rmea_folder), *RMEA, "--scheduler", "tcp://127.0.0.1:9", "--quiet"])
    assert code == EXIT_FAILED
    assert "Cannot reach the dask scheduler" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["batch", str(rmea_folder), "--window", "ten"])
    assert exit_info.value.code == EXIT_USAGE


def test_command_runs_as_a_program(tmp_path):
    cohort = concordlab.simulate_cohort(3, duration=120, channels="eda", seed=5)
    for key, session in cohort.items():
        concordlab.save(session, tmp_path / "s" / f"{key}.nc")
    ratings = cohort.ratings.reset_index()[["session", "simulated_empathy"]]
    ratings.to_csv(tmp_path / "ratings.csv", index=False)
    out = tmp_path / "index.csv"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "concordlab",
            "batch",
            str(tmp_path / "s"),
            "--window",
            "20",
            "--ratings",
            str(tmp_path / "ratings.csv"),
            "--out",
            str(out),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == EXIT_OK, run.stderr
    table = pd.read_csv(out).set_index("session")
    expected = [
        float(concordlab.concordance_index(concordlab.concordance(s, window=20)))
        for s in cohort.sessions.values()
    ]
    np.testing.assert_allclose(table["index"].to_numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(
        table["simulated_empathy"].to_numpy(), cohort.ratings["simulated_empathy"].to_numpy()
    )


@pytest.mark.parametrize(
    "scheduler",
    [
        "tcp://10.0.0.1:8786",
        "tcp://cluster.example.org:8786",
        "ws://[2001:db8::1]:8786",
        "tcp://127.0.0.1.example.org:8786",
    ],
)
def test_a_remote_scheduler_without_tls_is_warned_about(scheduler, tmp_path, capsys):
    # The folder is missing, so nothing connects: the warning comes before anything else.
    args = ["batch", str(tmp_path / "missing"), "--scheduler", scheduler, "--quiet"]
    assert main(args) == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"warning: the dask scheduler {scheduler} is not on this machine" in err
    assert "pickle" in err and "run code in this process" in err and "tls://" in err


@pytest.mark.parametrize(
    "scheduler",
    [
        None,
        "threads",
        "tcp://127.0.0.1:8786",
        "tcp://127.3.2.1:8786",
        "tcp://localhost:8786",
        "tcp://[::1]:8786",
        "inproc://10.0.0.1/1234/1",
        "tls://10.0.0.1:8786",
        "TLS://cluster.example.org:8786",
    ],
)
def test_a_local_or_tls_scheduler_is_not_warned_about(scheduler, tmp_path, capsys):
    args = ["batch", str(tmp_path / "missing"), "--quiet"]
    assert main([*args, "--scheduler", scheduler] if scheduler else args) == EXIT_USAGE
    assert "warning" not in capsys.readouterr().err


def test_scheduler_help_names_the_pickle_risk_and_tls(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["batch", "--help"])
    assert exit_info.value.code == EXIT_OK
    help_text = " ".join(capsys.readouterr().out.split())
    assert "dask's protocol is pickle-based" in help_text
    assert "can run code in this process" in help_text
    assert "a scheduler you trust and run yourself" in help_text
    assert "use a tls:// address with dask's TLS security" in help_text


def test_flags_come_from_the_measure_registry(tmp_path, rmea_folder, capsys):
    from concordlab.compute.registry import parameter_table

    with pytest.raises(SystemExit):
        main(["batch", "--help"])
    shown = capsys.readouterr().out
    for name in parameter_table():
        assert f"--{name.replace('_', '-')}" in shown
    out = tmp_path / "peaks.csv"
    args = [str(rmea_folder / "normal"), *RMEA, "--quiet", "--out", str(out)]
    code = main(
        ["batch", *args, "--measure", "index", "--method", "wlcc_peak", "--peak-search", "2"]
    )
    assert code == EXIT_OK and out.exists()
    # A parameter the method does not take is a usage error, named with its method.
    code = main(["batch", *args, "--method", "pearson", "--slope-window", "5"])
    assert code == EXIT_USAGE
    assert "slope_window is a parameter of method 'slope'" in capsys.readouterr().err


def test_the_old_flag_fs_still_works(tmp_path, rmea_folder, capsys):
    out = tmp_path / "old.csv"
    args = ["batch", str(rmea_folder / "normal"), "--fs", "25", "--channel", "motion"]
    assert main([*args, "--quiet", "--out", str(out)]) == EXIT_OK
    assert "--fs is renamed --sampling-rate" in capsys.readouterr().err
