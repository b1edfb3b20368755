"""The exit codes of every `lienthong` command (README): scripts and the daemon's supervisor read them."""

OK = 0  # done
DIFFERENCES = 1  # done, with differences, refused rows or a held run
BAD_INPUT = 2  # bad input, argument or configuration: nothing was changed
UNREACHABLE = 3  # a platform did not answer
REFUSED = 4  # refused by a rule (role, approval, another run in progress, a closed window)
UNEXPECTED = 5  # an unexpected error: see the reference and the error log
# Standard output closed by its reader (``lienthong … | head``): the command stops quietly, with the
# code click and rich stop with then (Python's own advice, its "Note on SIGPIPE").
OUTPUT_CLOSED = 1
