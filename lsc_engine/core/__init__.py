"""The evaluation core: the pack, the ruleset, facts, rule matching and the evaluation; no I/O, clock or settings."""
