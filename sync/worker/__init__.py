"""``promosync run``: the long-running worker.

APScheduler is the clock in every process (:mod:`sync.worker.clock`); what a
tick does depends on the database:

- SQLite (:mod:`sync.worker.local`): the process runs the due job itself; one
  worker per database file, held by an OS file lock.
- PostgreSQL (:mod:`sync.worker.queue`): the tick defers the job to
  procrastinate, once per (job, store, incentive) and interval whoever ticks,
  and every process also works the queue.

The periodic jobs are listed once, in :data:`sync.worker.table.PERIODIC`, and run
by :func:`sync.worker.execute.execute` (one log line, metrics) in both modes.
"""
