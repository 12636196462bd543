"""Example data: a simulated example session and cohort, and the public rMEA data set.

The simulated examples are generated deterministically on first use (no files are
shipped). The rMEA psychotherapy data (Kleinbub & Ramseyer 2020, GPL-3) are read from a
local copy; users with internet can download the pinned files, whose SHA-256 hashes are
checked.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import xarray as xr

from concordlab._checks import FLAG, FilePath, check_choice
from concordlab.errors import DataNotFoundError
from concordlab.simulate import Cohort, simulate_cohort, simulate_dyad

__all__ = ["example_cohort", "example_session", "rmea_files", "rmea_psychotherapy"]

EXAMPLE_SEED = 2007  # the year of Marci et al.'s concordance study

RMEA_COMMIT = "16bdb24e"
RMEA_BASE_URL = f"https://raw.githubusercontent.com/kleinbub/rMEA/{RMEA_COMMIT}/inst/extdata/"
RMEA_SAMPLING_RATE = 25.0
RMEA_CITATION = (
    "Kleinbub JR, Ramseyer FT (2020). rMEA: An R package to assess nonverbal synchronization "
    "in motion energy analysis time-series. Psychotherapy Research. "
    "doi:10.1080/10503307.2020.1844334 (data: GPL-3)"
)
RMEA_SHA256 = {
    "normal/200_01.txt": "8b00db8b9ba5e8abf1042f0ab28bf6577931894f11d4ccb22dba45b8e5f5ff94",
    "normal/201_01.txt": "539d2fe97658d5d7b7c07dca824f039a841b921c25f06e4c136f5e614bf735dd",
    "normal/202_01.txt": "9b5b6cfc9de632400aa0d01a25ef51c310a1884ef0dbb4a63639748395dbb782",
    "normal/203_01.txt": "9213ea3131a22f5bed8984171b6506be77cc58b414f919b1174bdd78fd5c9468",
    "normal/204_01.txt": "a2ea859e8d65362e4663cbb5f48ffa953e3d64479096c01003c48fc66f82f867",
    "normal/205_01.txt": "1d029c64bbdf9674051dde4d2fcc853b5bac97c2afab62d2c6e1a388897aa55a",
    "normal/206_01.txt": "d9cbca8c54d33b37a0bec5b2109ac5c76f840b3a0d9ee668d410e02511964fc0",
    "normal/207_01.txt": "ecdd61ca99d29925cea63a63574f46754526f017747e8ce1d0a7b3674d5ed4f1",
    "normal/208_01.txt": "0c832e5f190152fe3a7d35fd21dd4b1e024b093d7df35d2e0e156a619cd88f07",
    "normal/209_01.txt": "f6ad6b584be00d394779df7c56c6b45b8bf9f0ea4a08a2d7c521e784748187d4",
    "dropout/100_01.txt": "3f38d3648cef135a8c4ba65cf6f647475a4a4ef9531ce682a40b79760533ae52",
    "dropout/101_01.txt": "5eb51d77128e047b9e4b42aeac32063e66b65621873f63f7a15177d25a305a31",
    "dropout/102_01.txt": "adf7b3acf9ba86928439a88d2e2d43c8e79c9599f5627020f29a7755053657d9",
    "dropout/103_01.txt": "5dcfc6dbd01da74b91ece9c30a8a9980d116264500f0d2fcb5deacce968cf2c8",
    "dropout/104_01.txt": "73e6aebfab807e0ab92ed2b82ae40fb103b82ef96427a090a544cbc712c48f64",
    "dropout/105_01.txt": "2b090fac8d6abab33ce7a203bcc2804f329f9be5bddfedafcd99831177d4d0d6",
    "dropout/106_01.txt": "aae03d963de3ed0045f6f891ccd3638304616940f181f3e7d33e3f40ad37d0ad",
    "dropout/107_01.txt": "c65133ee140f8b7ae3cb80a0fdb936a634028976aad76a759108995651587c5a",
    "dropout/108_01.txt": "e65b8d6e88f288be3fb2e0c40239c4cb4f7e4c8bdce1e77fd611c43afa226133",
    "dropout/109_01.txt": "e4302010e8cca49e6f89eab818ca98747df293521da94c5d662c5d2c73c253f6",
}
_GROUPS = ("normal", "dropout", "all")


@functools.cache
def _example_session() -> xr.DataTree:
    return simulate_dyad(duration=600.0, seed=EXAMPLE_SEED, session_id="example-dyad")


def example_session() -> xr.DataTree:
    """A 10-minute simulated patient-therapist session with skin conductance, heart rate and
    talk turns, the same every time.

    The data are SIMULATED (see :func:`concordlab.simulate_dyad`); the generating coupling,
    lag and turns are in the session's ``truth`` node and segments.

    Examples
    --------
    >>> import concordlab
    >>> s = concordlab.example_session()
    >>> concordlab.channels(s)
    ['eda', 'hr']
    >>> s.identical(concordlab.example_session())
    True
    """
    return _example_session().copy()


@functools.cache
def _example_cohort() -> Cohort:
    return simulate_cohort(n=20, duration=300.0, seed=EXAMPLE_SEED)


def example_cohort() -> Cohort:
    """Twenty simulated 5-minute dyads whose coupling varies, with SIMULATED empathy ratings.

    Examples
    --------
    >>> import concordlab
    >>> cohort = concordlab.example_cohort()
    >>> len(cohort), list(cohort.ratings.columns)[:1]
    (20, ['simulated_empathy'])
    """
    return _example_cohort()


def _candidate_folders(path: str | os.PathLike[str] | None) -> list[Path]:
    folders = []
    if path is not None:
        folders.append(Path(path))
    if os.environ.get("CONCORDLAB_RMEA_DIR"):
        folders.append(Path(os.environ["CONCORDLAB_RMEA_DIR"]))
    # A source checkout keeps a copy beside its tests: found from the package (an editable
    # install) or from the working folder (a notebook in a clone, e.g. on Binder).
    checkout = Path("tests") / "data" / "rmea-psychotherapy"
    folders.append(Path(__file__).resolve().parent.parent / checkout)
    here = Path.cwd().resolve()
    folders.extend(folder / checkout for folder in (here, *here.parents))
    folders.append(_cache_folder())
    return folders


def _cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "concordlab" / "rmea-psychotherapy"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _names(group: str) -> list[str]:
    check_choice(group, "group", _GROUPS)
    return [name for name in RMEA_SHA256 if group == "all" or name.startswith(group + "/")]


_RMEA_FOLDER = FilePath("folder holding normal/ and dropout/", example="'data/rmea'")


def rmea_files(
    group: str = "all",
    *,
    path: str | os.PathLike[str] | None = None,
    download: bool = False,
    base_url: str = RMEA_BASE_URL,
) -> list[Path]:
    """Paths of the rMEA psychotherapy motion-energy files, fetched if asked.

    Looks in ``path``, then ``$CONCORDLAB_RMEA_DIR``, then a source checkout's
    ``tests/data/rmea-psychotherapy`` (beside the package, or in the working folder or one
    of its parents), then the cache ``~/.cache/concordlab``. With
    ``download=True`` missing files are downloaded into the cache from the pinned rMEA
    commit and their SHA-256 checked.

    Parameters
    ----------
    group : {"all", "normal", "dropout"}
        The 10 patients who stayed in therapy, the 10 who dropped out, or both.
    path : path, optional
        A folder holding ``normal/`` and ``dropout/``.
    download : bool, default False
        Download what is not found locally.
    base_url : str
        Where to download from (the pinned rMEA commit by default).

    Returns
    -------
    list of pathlib.Path

    Raises
    ------
    DataNotFoundError
        If the files are not found (and not downloaded), or a download fails or does not
        match its hash.

    Examples
    --------
    >>> from concordlab.datasets import rmea_files
    >>> [p.name for p in rmea_files("normal")][:2]
    ['200_01.txt', '201_01.txt']
    """
    names = _names(group)
    if path is not None and path != "":  # "" is the working folder, as documented
        path = _RMEA_FOLDER.check(path, "path")
    download = FLAG.check(download, "download")
    for folder in _candidate_folders(path):
        if all((folder / name).is_file() for name in names):
            return [folder / name for name in names]
    if not download:
        raise DataNotFoundError(
            "The rMEA psychotherapy files were not found (looked in "
            f"{[str(f) for f in _candidate_folders(path)]}). Pass path= to a folder holding "
            "normal/ and dropout/, set CONCORDLAB_RMEA_DIR, or pass download=True."
        )
    cache = _cache_folder() if path is None else Path(path)
    # Imported here: in a Jupyter kernel tqdm.auto imports ipywidgets (slow to import).
    from tqdm.auto import tqdm

    for name in tqdm(names, desc="rMEA files", unit="file", disable=None):
        target = cache / name
        if target.is_file() and _sha256(target) == RMEA_SHA256[name]:
            continue
        _download(base_url + name, target, RMEA_SHA256[name])
    return [cache / name for name in names]


def _download(url: str, target: Path, sha256: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
        partial = Path(handle.name)
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                shutil.copyfileobj(response, handle)
        except (urllib.error.URLError, OSError, ValueError) as error:
            partial.unlink(missing_ok=True)
            raise DataNotFoundError(
                f"Downloading {url} failed ({error}); check the connection, or copy the files "
                "by hand and pass path=."
            ) from None
    if _sha256(partial) != sha256:
        partial.unlink()
        raise DataNotFoundError(
            f"The file downloaded from {url} does not match its pinned SHA-256; it was not "
            "kept. The source may have changed: report it, or pass path= to a trusted copy."
        )
    partial.replace(target)


def rmea_psychotherapy(
    group: str = "all",
    *,
    path: str | os.PathLike[str] | None = None,
    download: bool = False,
) -> dict[str, xr.DataTree]:
    """The rMEA psychotherapy data: 20 real intake interviews as motion-energy sessions.

    Motion Energy Analysis of video (25 Hz, 600 s each) of patient and therapist,
    bundled with the R package rMEA (Kleinbub & Ramseyer 2020, GPL-3). Sessions are keyed
    ``"<group>/<dyad>"``, e.g. ``"normal/200_01"``; each has one channel ``motion``.

    Parameters
    ----------
    group : {"all", "normal", "dropout"}
        Patients who stayed in therapy, who dropped out, or both.
    path, download
        Where to find the files, or whether to fetch them; see :func:`rmea_files`.

    Returns
    -------
    dict of str to xarray.DataTree

    Examples
    --------
    >>> import concordlab
    >>> sessions = concordlab.rmea_psychotherapy("dropout")
    >>> len(sessions), concordlab.metadata(sessions["dropout/100_01"])["outcome"]
    (10, 'dropout')
    """
    from concordlab.io.csv import read_csv

    sessions = {}
    for file in rmea_files(group, path=path, download=download):
        key = f"{file.parent.name}/{file.stem}"
        sessions[key] = read_csv(
            file,
            sampling_rate=RMEA_SAMPLING_RATE,
            channel="motion",
            units="a.u.",
            session_id=file.stem,
            metadata={"outcome": file.parent.name, "citation": RMEA_CITATION},
        )
    return sessions
