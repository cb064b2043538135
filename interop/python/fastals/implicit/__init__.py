"""``implicit`` 0.7 compatibility: switch by changing one import.

    from fastals.implicit.als import AlternatingLeastSquares     # was: from implicit.als import ...
    from fastals.implicit.evaluation import ranking_metrics_at_k, train_test_split

The model follows implicit's conventions (confidence alpha * r, implicit's defaults, return shapes and the query
item first in similar_items); FastAls's own API (``fastals.AlternatingLeastSquares`` and the other model kinds) keeps
the .NET library's meanings. See the README for what matches implicit and what still differs.
"""
from . import als, evaluation
from .als import AlternatingLeastSquares, ParameterWarning

__all__ = ["als", "evaluation", "AlternatingLeastSquares", "ParameterWarning"]
