"""The measure registry: every measure declared once, everything else derived from it.

A :class:`Measure` says what a measure is called, which :class:`Parameter` s it takes (each
with its rule, default, unit, documentation and slider range), its result's dims, whether
it has a lag axis, and the function that computes it. :func:`concordlab.concordance`
(``method=``), :func:`concordlab.compute_cohort`, the ``concordlab batch`` flags and the
explorer's controls all read the registry, so a measure added here (one module in
``concordlab/compute/measures/`` that lists it in its ``MEASURES``) appears everywhere;
a measure defined elsewhere is added with :func:`register`.

Examples
--------
>>> from concordlab.compute.registry import get_measure, measure_names
>>> {"pearson", "slope", "wlcc", "wlcc_peak", "coherence"} <= set(measure_names())
True
>>> slope = get_measure("slope")
>>> [p.name for p in slope.parameters]
['window', 'step', 'slope_window', 'min_valid']
>>> slope.parameter("slope_window").default
5.0
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import xarray as xr

from concordlab.errors import ValidationError

__all__ = [
    "Measure",
    "Parameter",
    "get_measure",
    "measure_names",
    "measures",
    "parameter_table",
    "register",
]


@dataclass(frozen=True)
class Parameter:
    """One parameter of one or more measures, declared once.

    Parameters
    ----------
    name : str
        The keyword, in the vocabulary of ``DESIGN.md`` (``window``, ``max_lag`` ...).
    rule : object
        A constraint object of :mod:`concordlab._checks` (``check(value, name)``,
        ``describe()``).
    default : object
        The default value; ``None`` means "derived" (e.g. one sample) when ``optional``.
    doc : str
        One sentence of documentation, shared by every function that takes it.
    unit : str
        The unit (``"s"`` for seconds), shown by the CLI and the explorer.
    slider : (low, high, step), optional
        The explorer's slider range; ``None``: no slider.
    optional : bool
        ``None`` is a valid value (meaning the documented derived default).

    Examples
    --------
    >>> from concordlab._checks import SECONDS
    >>> lag = Parameter("max_lag", SECONDS, 5.0, "Largest lag.", unit="s")
    >>> lag.check(2)
    2.0
    """

    name: str
    rule: Any
    default: Any
    doc: str
    unit: str = ""
    slider: tuple[float, float, float] | None = None
    optional: bool = False

    def check(self, value: Any) -> Any:
        """``value`` in canonical form, or a ValidationError naming the parameter."""
        if value is None and self.optional:
            return None
        return self.rule.check(value, self.name)

    def describe(self) -> str:
        """The documentation and the rule in words (the shared docstring entry's text)."""
        rule = self.rule.describe()
        return f"{self.doc} {rule[0].upper()}{rule[1:]}."


@dataclass(frozen=True)
class Measure:
    """A measure of concordance over windows, declared once.

    Parameters
    ----------
    name : str
        Its name, the value of ``method=`` in :func:`concordlab.concordance`.
    function : callable
        ``function(pair, **params) -> xarray.DataArray``, with ``pair`` a
        :class:`~concordlab.compute._common.Pair` and ``params`` every parameter checked
        and defaulted.
    parameters : tuple of Parameter
        What it takes.
    dims : tuple of str
        Its result's dims, e.g. ``("time",)`` or ``("time", "lag")``.
    summary : str
        One line saying what it computes (shown in lists and ``--help``).
    lag_profile : str, optional
        The registered measure (with a ``lag`` dim) whose values this one is read from,
        drawn by the explorer beside it (``wlcc_peak`` is read from ``wlcc``).
    from_profile : callable, optional
        ``from_profile(profile_result, **rest)``: this measure from an already computed
        ``lag_profile`` result and its parameters the profile does not take, so that a
        caller showing both computes the profile once.
    fast : bool
        Fast enough to recompute while a slider moves.

    Examples
    --------
    >>> from concordlab.compute.registry import get_measure
    >>> get_measure("wlcc").dims, get_measure("wlcc").lagged
    (('time', 'lag'), True)
    """

    name: str
    function: Callable[..., xr.DataArray]
    parameters: tuple[Parameter, ...]
    dims: tuple[str, ...]
    summary: str
    lag_profile: str | None = None
    from_profile: Callable[..., xr.DataArray] | None = None
    fast: bool = True
    _by_name: dict[str, Parameter] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {p.name: p for p in self.parameters})

    @property
    def lagged(self) -> bool:
        """Whether the result has a ``lag`` dim."""
        return "lag" in self.dims

    @property
    def defaults(self) -> dict[str, Any]:
        """Every parameter's default."""
        return {p.name: p.default for p in self.parameters}

    def parameter(self, name: str) -> Parameter:
        """The parameter called ``name``."""
        return self._by_name[name]

    def check(self, params: Mapping[str, Any], where: str = "") -> dict[str, Any]:
        """Every parameter checked, missing ones defaulted; unknown ones refused.

        A parameter this measure does not take is refused with a message naming the
        measures that take it, even when its value would be valid: a typo never passes.

        Examples
        --------
        >>> from concordlab.compute.registry import get_measure
        >>> try:
        ...     get_measure("pearson").check({"slope_window": 5})
        ... except ValidationError as error:
        ...     print(error)
        method 'pearson' takes no parameter slope_window (it takes window, step,
        min_valid); slope_window is a parameter of method 'slope'.
        """
        where = where or f"method {self.name!r}"
        unknown = [name for name in params if name not in self._by_name]
        if unknown:
            raise ValidationError(_unknown_message(where, self, unknown))
        return {p.name: p.check(params.get(p.name, p.default)) for p in self.parameters}

    def __call__(self, pair: Any, **params: Any) -> xr.DataArray:
        """Compute on ``pair`` with ``params`` checked first."""
        return self.function(pair, **self.check(params))


def _unknown_message(where: str, measure: Measure, unknown: list[str]) -> str:
    taken = ", ".join(p.name for p in measure.parameters)
    hints = []
    for name in unknown:
        owners = [m.name for m in measures() if name in m._by_name]
        if owners:
            listed = " or ".join(repr(o) for o in owners)
            hints.append(f"{name} is a parameter of method {listed}")
        else:
            hints.append(f"no measure takes {name}")
    return (
        f"{where} takes no parameter {', '.join(unknown)} (it takes {taken}); {'; '.join(hints)}."
    )


_REGISTRY: dict[str, Measure] = {}
_LOADED = False


def register(measure: Measure) -> Measure:
    """Add ``measure`` to the registry (for measures outside ``compute/measures``).

    Examples
    --------
    >>> from concordlab.compute.registry import get_measure, register
    >>> register(get_measure("pearson")).name   # registering the same again is harmless
    'pearson'
    """
    existing = _REGISTRY.get(measure.name)
    if existing is not None and _origin(existing) != _origin(measure):
        raise ValidationError(
            f"A measure called {measure.name!r} is registered already (by "
            f"{_origin(existing)}); choose another name."
        )
    _REGISTRY[measure.name] = measure
    return measure


def _origin(measure: Measure) -> str:
    function = measure.function
    return f"{getattr(function, '__module__', '')}.{getattr(function, '__qualname__', '')}"


def _load_builtins() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    from concordlab.compute import measures as package

    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_"):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            # Read the module's declarations rather than trust its import-time calls:
            # a module imported twice (e.g. by a test runner) registers here all the same.
            for measure in getattr(module, "MEASURES", ()):
                register(measure)


def measures() -> list[Measure]:
    """Every registered measure, by name.

    Examples
    --------
    >>> [m.name for m in measures() if m.lagged]
    ['wlcc']
    """
    _load_builtins()
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]


def measure_names(dims: tuple[str, ...] | None = None) -> list[str]:
    """The registered measures' names, optionally only those with result ``dims``.

    Examples
    --------
    >>> measure_names(("time",))
    ['pearson', 'slope', 'wlcc_peak']
    """
    return [m.name for m in measures() if dims is None or m.dims == dims]


def get_measure(name: Any) -> Measure:
    """The measure called ``name``, or a ValidationError listing the registered ones.

    Examples
    --------
    >>> get_measure("slope").summary
    'windowed correlation of local slopes (Marci et al. 2007)'
    """
    _load_builtins()
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ValidationError(
            f"method must be one of {sorted(_REGISTRY)} (the registered measures), got {name!r}."
        )
    return _REGISTRY[name]


def parameter_table() -> dict[str, Parameter]:
    """Every parameter of every measure, by name (one declaration each).

    Two measures that take a parameter of the same name share its declaration; a
    second declaration of a name with another rule or default is a programming error.

    Examples
    --------
    >>> table = parameter_table()
    >>> table["window"].unit, table["window"].default
    ('s', 15.0)
    """
    table: dict[str, Parameter] = {}
    for measure in measures():
        for parameter in measure.parameters:
            if table.setdefault(parameter.name, parameter) != parameter:
                raise RuntimeError(f"Parameter {parameter.name!r} is declared twice, differently.")
    return table
