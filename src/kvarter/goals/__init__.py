"""Goals as data and progress towards them: targets in versioned YAML
(:mod:`kvarter.goals.models`) and the straight-line path, trend projection and
on-track status per goal (:mod:`kvarter.goals.track`)."""

from kvarter.goals.models import BUILTIN_GOALS, Goal, GoalSet, goals_from_dict, known_indicators, load_goals
from kvarter.goals.track import GoalStatus, Progress, Projection, linear_trend, straight_line, track

__all__ = ["BUILTIN_GOALS", "Goal", "GoalSet", "GoalStatus", "Progress", "Projection", "goals_from_dict",
           "known_indicators", "linear_trend", "load_goals", "straight_line", "track"]
