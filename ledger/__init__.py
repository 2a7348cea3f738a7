"""The duty and accountability ledger: domain and event store (no HTTP here)."""
