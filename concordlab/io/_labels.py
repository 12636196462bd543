"""Channel names from a device file's own labels: one rule for the device readers.

A device file names its channels (``"EDA100C"``, ``"A3"``, ``"CH1"``); a reader's channel is
that label stripped and lower-cased, as the BIDS reader names columns. The user picks
channels by those names, or renames them with a mapping ``{channel: label or position}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from concordlab._checks import Channels
from concordlab.errors import FileFormatError, ValidationError
from concordlab.session import CHANNEL_NAME

__all__ = ["plan_channels"]

_CHANNELS = Channels(fold_case=True)


def plan_channels(labels: Sequence[str], channels: Any, where: str) -> dict[str, int]:
    """Which of a file's labelled series to read, and the channel name of each.

    Parameters
    ----------
    labels : sequence of str
        The file's label of each series, in file order.
    channels : None, str, sequence of str, or mapping of str to str or int
        None reads every series, named by its label lower-cased; a name or list of names
        reads those; ``{channel: label or 0-based position}`` reads and renames.
    where : str
        The file, for messages.

    Returns
    -------
    dict of str to int
        Channel name -> position in ``labels``, in the order read.

    Raises
    ------
    FileFormatError
        If labels the user did not rename cannot name a channel (empty, repeated, holding
        '/'), saying how to rename them.
    ValidationError
        For a selection that names no series of the file.

    Examples
    --------
    >>> plan_channels(["EDA", "ECG"], None, "f.acq")
    {'eda': 0, 'ecg': 1}
    >>> plan_channels(["EDA", "ECG"], {"sc": "eda"}, "f.acq")
    {'sc': 0}
    >>> plan_channels(["A3", "A3"], {"first": 0}, "f.txt")
    {'first': 0}
    """
    names = [str(label).strip().lower() for label in labels]
    if isinstance(channels, Mapping):
        return _renamed(labels, names, channels, where)
    available = list(dict.fromkeys(names))
    selected = _CHANNELS.check(
        channels, "channels", available=available, where=f"the channels of {where}"
    )
    for name in selected:
        at = [i for i, n in enumerate(names) if n == name]
        why = CHANNEL_NAME.problem(name) or ("it labels several series" if len(at) > 1 else "")
        if why:
            raise FileFormatError(
                f"{where}: the label {labels[at[0]]!r} cannot name a channel ({why}); rename it "
                f"with channels={{'new_name': position}} (0-based positions: {at})."
            )
    return {name: names.index(name) for name in selected}


def _renamed(
    labels: Sequence[str], names: list[str], channels: Mapping[Any, Any], where: str
) -> dict[str, int]:
    if not channels:
        raise ValidationError("channels={} selects nothing; give {channel: label} pairs or None.")
    plan: dict[str, int] = {}
    for new, old in channels.items():
        CHANNEL_NAME.check(new, "each channel name in channels")
        if isinstance(old, bool) or not isinstance(old, str | int):
            raise ValidationError(
                f"channels[{new!r}] must be a label of {where} or a 0-based position, got {old!r}."
            )
        if isinstance(old, int):
            if not 0 <= old < len(labels):
                raise ValidationError(
                    f"channels[{new!r}] = {old}: {where} has {len(labels)} series (positions 0 "
                    f"to {len(labels) - 1})."
                )
            at = old
        else:
            matches = [i for i, n in enumerate(names) if n == old.strip().lower()]
            if len(matches) != 1:
                problem = "no series" if not matches else f"several series {matches}"
                raise ValidationError(
                    f"channels[{new!r}] = {old!r}: {where} has {problem} of that label; its labels "
                    f"are {list(labels)} (give a 0-based position instead)."
                )
            at = matches[0]
        if at in plan.values():
            raise ValidationError(f"channels reads series {labels[at]!r} twice; name it once.")
        plan[new] = at
    return plan
