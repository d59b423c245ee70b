"""`make bench`: seed PostgreSQL with a realistic data set, serve it as in production and measure SPEC §6."""
