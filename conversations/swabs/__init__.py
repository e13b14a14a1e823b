"""Swab booking (issue 20): the citizen's recovery swab, the ATS's points, results and day
closure, the school pass at the swab point."""
