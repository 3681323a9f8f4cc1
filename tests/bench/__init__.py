"""`make bench`: the service against the SQL floor (issue 3). Not collected by pytest."""
