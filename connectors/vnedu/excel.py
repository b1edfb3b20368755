"""vnEdu's Excel exports for schools without API access.

``Sổ điểm môn học`` is a score book with a fixed two-row header, a hidden ``ID`` column
(kept for re-import) and a computed ``ĐTBmhk`` that is compared, never trusted; it is read
by the gradebook reader, which handles both layouts.
"""

from connectors.gradebook.excel import Expect, read_score_book

__all__ = ["Expect", "read_score_book"]
