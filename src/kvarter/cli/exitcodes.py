"""Exit codes of the ``kvarter`` command, in one place."""

import enum


class ExitCode(enum.IntEnum):
    OK = 0
    ERROR = 1
    INPUT = 2  # bad input data, rule file or arguments: nothing was stored
