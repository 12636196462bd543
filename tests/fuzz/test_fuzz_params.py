"""Fuzz every numeric and choice parameter of the constructors, compute functions,
preprocess, stats and cohort API with wrong types, NaN, infinities, 0, negatives and huge
values: each call returns a sound result or raises ConcordlabError, and a numeric
parameter never silently accepts a str, bool, list, dict, complex or NaN."""

import cases
import pytest

CASES = cases.param_cases()


@pytest.mark.parametrize("case", CASES, ids=cases.param_ids())
def test_parameter(case):
    """One (function, parameter, bad value) case."""
    cases.assert_ok(case)
