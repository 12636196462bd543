"""The exceptions concordlab raises on bad input.

Every error a user can trigger with bad input is a :class:`ConcordlabError`, so
``except concordlab.ConcordlabError`` catches all of them. Messages say what is
wrong, where (file, column, row, channel) and what to do about it.
"""

from __future__ import annotations

__all__ = [
    "ConcordlabError",
    "DataNotFoundError",
    "FileFormatError",
    "SegmentError",
    "UnitWarning",
    "ValidationError",
]


class ConcordlabError(Exception):
    """Base class of every error concordlab raises on bad input.

    Examples
    --------
    >>> import concordlab
    >>> try:
    ...     concordlab.from_arrays({"eda": [[1.0, 2.0], [3.0]]}, sampling_rate=4)
    ... except concordlab.ConcordlabError as error:
    ...     print(type(error).__name__)
    ValidationError
    """


class ValidationError(ConcordlabError, ValueError):
    """An argument or a session does not satisfy the data model.

    Examples
    --------
    >>> import concordlab
    >>> try:
    ...     concordlab.from_arrays({"eda": [[1.0, 2.0], [2.0, 3.0]]}, sampling_rate=-1)
    ... except concordlab.ValidationError as error:
    ...     print("sampling rate" in str(error))
    True
    """


class SegmentError(ValidationError):
    """A segment (annotation) is empty, reversed, outside the session or names an unknown person.

    Examples
    --------
    >>> import concordlab
    >>> s = concordlab.from_arrays({"eda": [[1.0] * 8, [2.0] * 8]}, sampling_rate=4)
    >>> try:
    ...     concordlab.add_segment(s, 1.5, 1.0, "talk")
    ... except concordlab.SegmentError as error:
    ...     print("end" in str(error))
    True
    """


class FileFormatError(ConcordlabError, ValueError):
    """A file cannot be read: missing, empty, wrong columns, text in numbers, bad timestamps.

    Examples
    --------
    >>> import concordlab
    >>> try:
    ...     concordlab.read_csv("no-such-file.csv", sampling_rate=4)
    ... except concordlab.FileFormatError as error:
    ...     print("no-such-file.csv" in str(error))
    True
    """


class DataNotFoundError(ConcordlabError, FileNotFoundError):
    """A public data set is neither found locally nor could be downloaded.

    Examples
    --------
    >>> import concordlab
    >>> issubclass(concordlab.DataNotFoundError, concordlab.ConcordlabError)
    True
    """


class UnitWarning(UserWarning):
    """Values do not fit the unit they are labelled with (raw counts labelled ``uS``).

    A warning, not an error: the data are kept as given, and the message says how to
    convert them or label them truthfully.

    Examples
    --------
    >>> import concordlab
    >>> issubclass(concordlab.UnitWarning, UserWarning)
    True
    """
