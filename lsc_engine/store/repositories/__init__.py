"""One repository per aggregate: every query lsc-engine makes, each answering with domain objects."""
