"""The command line: a thin layer over public library calls."""
