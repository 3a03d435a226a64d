"""Everything that knows the outside world: the source kinds, how their files are read, validated and
normalised, the reference data, and the deterministic Northeast demo generator."""
