"""Prometheus metrics of the daemon (``/metrics``): runs, records, pushes by outcome, lag."""

from __future__ import annotations

import time

from prometheus_client import Counter, Gauge

RUNS = Counter("lienthong_runs_total", "Sync runs by final status", ["status"])
RECORDS = Counter("lienthong_records_pulled_total", "Records read from each platform", ["platform"])
PUSHES = Counter("lienthong_pushes_total", "Items sent, by the platform's answer", ["platform", "outcome"])
LAST_SUCCESS = Gauge("lienthong_last_success_timestamp_seconds", "When each platform last synced cleanly", ["platform"])
RECONCILES = Counter("lienthong_reconciles_total", "Reconciliations after syncs, by outcome", ["outcome"])
RECONCILE_SECONDS = Gauge("lienthong_reconcile_seconds", "How long the last reconciliation after a sync took")
LAG = Gauge("lienthong_lag_seconds", "Seconds since each platform last synced cleanly", ["platform"])


def record_run(report) -> None:
    RUNS.labels(report.status).inc()
    now = time.time()
    for platform, counts in report.pulled.items():
        RECORDS.labels(platform).inc(counts.get("records", 0))
        if platform not in report.errors:
            LAST_SUCCESS.labels(platform).set(now)
            LAG.labels(platform).set(0)
    for platform, outcomes in report.delivered.items():
        for outcome, count in outcomes.items():
            PUSHES.labels(platform, outcome).inc(count)


def record_reconcile(outcome: str, seconds: float) -> None:
    RECONCILES.labels(outcome).inc()
    RECONCILE_SECONDS.set(seconds)
