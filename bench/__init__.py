"""Benchmarks: a pack generator, a stage-by-stage timing of the engine, and a load run against the service."""
