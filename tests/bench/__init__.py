"""`make bench`: the service against the SQL floor. Not collected by pytest."""
