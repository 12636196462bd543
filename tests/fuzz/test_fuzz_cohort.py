"""Fuzz open_cohort and compute_cohort on folders of generated recordings, some malformed
and some damaged: every session is measured or reported in ``errors``, never lost."""

import cases
from hypothesis import given
from hypothesis import strategies as st


@cases.FUZZ_SETTINGS
@given(data=st.data())
def test_cohort_fuzz(data, scratch):
    """A small study folder of text and saved sessions, then one measure over it."""
    cases.assert_ok(cases.cohort_case(cases.Chooser(draw=data.draw), scratch()))
