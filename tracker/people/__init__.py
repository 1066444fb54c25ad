"""People: cohorts, semesters, apprenticeships and their periods, person records."""
