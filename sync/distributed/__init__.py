"""Distributed mode (``[engine] mode = "distributed"``): many schools in one PostgreSQL, their
syncs, reconciliations, portal submissions and backups run as Procrastinate jobs by any number of
``lienthong worker`` processes, schedules deferred by ``lienthong scheduler``.

Every job runs the use case the embedded daemon runs (`sync.service`, `sync.run`) on one school's
view of the store (`store.tenancy.for_school`); the platforms' rate limits are shared by all
workers through the database (`limits`)."""
