"""EnvTrack: a small multi-page issue tracker written for envgym's ``web/tracker`` suite.

``store`` holds the fixed world (people, projects, labels, milestones, 24 issues) and the
per-episode server-side state (keyed by a session cookie), ``app`` the Starlette application,
``tasks`` the graded tasks with their reference solutions and near misses, ``grading`` the
state-difference grader.
"""
