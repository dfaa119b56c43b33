"""Pure clinical logic: no I/O, no clock, no environment, standard library only."""
