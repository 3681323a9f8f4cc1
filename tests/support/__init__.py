"""What the harnesses share: the production server on a free port, and its database.

The tests of the production server, `make bench`, `make faults` and
`make e2e` start gunicorn through `server.ProductionServer`, on clusters of
`config.embedded_postgres.EmbeddedCluster` (the same class the embedded
development database uses) or on the test database. `database` builds the
environments of the processes the test suite starts on its test database
(the deployment settings, the production server).
"""
