"""envgym-graders: reusable graders registered in the ``envgym.graders`` entry-point group."""
