"""Semester evaluations: the three grids of a semester, their ratings, and the review."""
