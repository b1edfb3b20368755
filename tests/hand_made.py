"""Facts the hand-made test cases share, written out from domain.md (not read from the product's
catalog, so that a wrong catalog fails the tests): ĐĐGtx required per subject in grade 8, the
comment subjects, and the shapes of a vnEdu code and a ministry ID."""

TX_GRADE_8 = {
    "VAN": 4,
    "TOAN": 4,
    "NN1": 4,
    "GDCD": 2,
    "LSDL": 4,
    "KHTN": 4,
    "CN": 3,
    "TIN": 2,
    "GDTC": 2,
    "NT": 2,
    "HDTN": 2,
    "GDDP": 2,
}
COMMENT = {"GDTC", "NT", "HDTN", "GDDP"}


def vkey(n: int) -> str:
    """A vnEdu student code (10 digits)."""
    return f"100000000{n}"


def mid(n: int) -> str:
    """A ministry ID (Mã định danh, 10 digits)."""
    return f"079000000{n}"
