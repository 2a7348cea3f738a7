"""Prometheus metrics of one app: requests, latencies, appends, projection lag, and the read
replica's lag when there is one (LEDGER_READ_DATABASE_URL)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["Metrics", "ReplicaMetrics"]


class Metrics:
    def __init__(self, *, replica: bool = False) -> None:
        self.registry = CollectorRegistry()  # one per app: tests run many apps in one process
        self.requests = Counter(
            "ledger_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "ledger_http_request_seconds",
            "HTTP request latency",
            ["route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )
        self.appended = Counter("ledger_events_appended_total", "events appended", registry=self.registry)
        self.head = Gauge("ledger_log_head_position", "the log's last position", registry=self.registry)
        self.read_wait = Histogram(
            "ledger_read_wait_seconds",
            "how long reads waited for the read models to reach their position (honest reads)",
            registry=self.registry,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2),
        )
        self.lag = Gauge(
            "ledger_projection_lag_events", "events the slowest projection is behind", registry=self.registry
        )
        self.replica: ReplicaMetrics | None = ReplicaMetrics(self.registry) if replica else None

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class ReplicaMetrics:
    """How far the read replica trails the primary, and what waiting for it costs the reads."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.up = Gauge("ledger_replica_up", "1 when the read replica answered the last scrape", registry=registry)
        self.lag_events = Gauge(
            "ledger_replica_lag_events",
            "events the primary's read models have folded that the replica has not replayed yet",
            registry=registry,
        )
        self.lag_bytes = Gauge(
            "ledger_replica_lag_bytes", "WAL bytes the replica has not replayed yet", registry=registry
        )
        self.wait = Histogram(
            "ledger_replica_wait_seconds",
            "how long reads waited for the replica to replay their position (read-your-writes)",
            registry=registry,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2),
        )
