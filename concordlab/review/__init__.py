"""Marci's review: blinded clips of chosen moments for observers, their ratings back in.

In Marci et al. (2007) the session videos were edited to the moments of highest and
lowest physiological concordance, independent observers blind to the study's goals rated
the emotions expressed in randomly presented clips, and the ratings were compared between
the kinds of moment. This subpackage does that workflow on sessions with a video
(:func:`concordlab.attach_video`): the rating sheet and the key share the formats of
:mod:`concordlab.review._format`.
"""

from __future__ import annotations

from concordlab.review.export import ReviewExport, export_review
from concordlab.review.ratings import Ratings, read_ratings
from concordlab.review.simulate import simulate_ratings

__all__ = ["Ratings", "ReviewExport", "export_review", "read_ratings", "simulate_ratings"]
