"""Jobs that keep pools in step with the merchant's store: link, pull, usage, orders,
generate, revoke. Each is a function the CLI runs once and the daemon schedules."""
