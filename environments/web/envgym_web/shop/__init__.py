"""EnvShop: a small multi-page web shop written for envgym's ``web/shop`` suite.

``catalog`` is the fixed product list, ``store`` the per-episode server-side state (keyed by a
session cookie), ``app`` the Starlette application, ``tasks`` the graded tasks with their
reference solutions.
"""
