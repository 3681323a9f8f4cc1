"""What the tests and the harnesses share, as plain helpers (the fixtures are in tests/conftest.py).

- `api`: paths by URL name, requests as the front-end sends them, the bodies
  the contract answers;
- `rows`: the tables beside the service, read, written and broken on purpose;
- `database`: the test database for the processes the suite starts (the
  deployment settings, the production server), and an outage;
- `metrics`: /rear-diff/metrics as a scraper reads it;
- `server`: the production server on a free port. The tests of the production
  server, `make bench`, `make faults` and `make e2e` start gunicorn through
  `server.ProductionServer`, on clusters of `config.embedded_postgres.EmbeddedCluster`
  (the same class the embedded development database uses) or on the test database.
"""
