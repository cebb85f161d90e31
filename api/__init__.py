"""The HTTP service and web UI of lsc-engine (built on the evaluation core)."""
