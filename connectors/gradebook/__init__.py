"""Teachers' own gradebooks (sổ điểm cá nhân): hand-made workbooks, the truth for scores."""
