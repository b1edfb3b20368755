"""``make bench``: run every benchmark in turn."""

from bench import (
    bench_assess,
    bench_dashboard,
    bench_files,
    bench_generator,
    bench_incremental,
    bench_matching,
    bench_pull,
    bench_reconcile,
    bench_soap,
    bench_startup,
    bench_sync,
    bench_workers,
)

if __name__ == "__main__":
    bench_assess.main()
    bench_generator.main()
    bench_pull.main()
    bench_soap.main()
    bench_sync.main()
    bench_reconcile.main()
    bench_matching.main()
    bench_files.main()
    bench_startup.main()
    bench_incremental.main()
    bench_dashboard.main()
    bench_workers.main()  # needs LIENTHONG_TEST_DATABASE_URL (PostgreSQL); says so otherwise
