"""Records that last: the học bạ XML and its signatures, printed books, backups and restore, retention."""
