"""Jury sessions: the jury that awards a certification (members and president, checked
against the certification's composition rule), its candidates with their readiness, the
decisions per block and overall, and the procès-verbal."""
