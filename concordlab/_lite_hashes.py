# ruff: noqa: E501 - one file name and its 64-digit hash per line
"""The sha256 of every file the JupyterLite build (:mod:`concordlab.lite`) takes from PyPI.

The build downloads the pure-Python wheels at the versions ``binder/requirements.txt`` pins,
and the sdist of PyYAML it repackages; each file must have exactly the hash recorded here,
or the build refuses it (and deletes the cached copy). The compiled Pyodide wheels are not
listed: they are checked against the official ``pyodide-lock.json`` instead.

The hashes were computed once from the files pip downloaded (as
``pip-compile --generate-hashes`` does), and pip itself checked those downloads against the
hashes the index publishes. When ``binder/requirements.txt`` moves a version, the build
stops on that file and tests/test_lite.py names it; to pin the new file::

    python -m pip download --no-deps --only-binary=:all: --python-version 3.12 \\
        --platform pyodide_2024_0_wasm32 -d new NAME==VERSION
    python -m pip download --no-deps --no-binary=:all: -d new PyYAML==VERSION  # PyYAML only
    python -m pip hash -a sha256 new/*

check each hash against the one PyPI lists for the file (its "Download files" page), then
replace the old version's line below with the new file name and hash.
"""

from __future__ import annotations

__all__ = ["PYPI_SHA256"]

#: File name (as PyPI serves it) to the sha256 it must have, as hex.
PYPI_SHA256: dict[str, str] = {
    "anywidget-0.11.0-py3-none-any.whl": "c574d9acc6503ad27b37a9acea48f957a8ba7c9c9876cfcb37898931c098ce9d",
    "click-8.5.1-py3-none-any.whl": "8bb5376d2006950386f8c6427613334a2acadc5f559cb80e638d00b4df957e37",
    "cloudpickle-3.1.3-py3-none-any.whl": "1654f4f18e416447210a63c5c25a135d65a292156aa5fa519dfa4baf7726dddb",
    "comm-0.2.3-py3-none-any.whl": "c615d91d75f7f04f095b30d1c1711babd43bdc6419c1be9886a85f2f4e489417",
    "dask-2026.8.0-py3-none-any.whl": "ccc0c83a189b0398602435189771d28dad7b5773b6089bb8dce14ae732dd782c",
    "fsspec-2026.9.0-py3-none-any.whl": "8dd6e646e99ea382bd85f97a45e6b526a442d79423a7dc673f1e2756d05fcb5f",
    "ipywidgets-8.1.9-py3-none-any.whl": "f2b8cbcaae10252b809fbe4d7470db75c09b769a32cbf816d20e5ca6d3c5a79d",
    "jupyterlab_widgets-3.0.17-py3-none-any.whl": "40ac1e9955acf116c4d995d9bfa082d86ad9ec6d91c4f134827cf5e0a5eb75e0",
    "locket-1.0.0-py2.py3-none-any.whl": "b6c819a722f7b6bd955b80781788e4a66a55628b858d347536b7e81325a3a5e3",
    "narwhals-2.29.0-py3-none-any.whl": "1c69b3dc30240f6e848c5a673cafc86affa44184ecce721e25b7194663ad10dc",
    "partd-1.4.2-py3-none-any.whl": "978e4ac767ec4ba5b86c6eaa52e5a2a3bc748a2ca839e8cc798f1cc6ce6efb0f",
    "plotly-7.1.0-py3-none-any.whl": "dbb7fa18afce40d0a8e80d1bf162eceb3faa0ce5a77fe741ad09a74cf78f53f3",
    "psygnal-0.16.1-py3-none-any.whl": "93b96894d8c46f0a3c0bfaaf8abe73f0d6db2c20cc6d303624cf08f85abc3c92",
    "toolz-1.2.0-py3-none-any.whl": "890f820b1cb8152785aaf9386d8707770110809035800985ca65cb24ce1120ef",
    "tqdm-4.70.1-py3-none-any.whl": "c293e525e6fef9c20e8728fd4612df02a0aa31bb5fe91ecd93e123b1b7bffa73",
    "typing_extensions-4.16.0-py3-none-any.whl": "481caa481374e813c1b176ada14e97f1f67a4539ce9cfeb3f350d78d6370c2e8",
    "xarray-2026.9.0-py3-none-any.whl": "fe349fa871628b1a0a5217af3fe1283a2862d5485156e6eda354fffb81c3bb7c",
    "pyyaml-6.0.4.tar.gz": "e24bf71af8a432d7808fabff134d38dfe16d3cbb41f2873bb4b1e42422de0a1a",
}
