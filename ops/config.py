"""Settings: environment variables with the prefix ``LEDGER_``, each also a CLI option."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

__all__ = ["DEFAULT_DATABASE_URL", "Settings", "port_number"]

DEFAULT_DATABASE_URL = "sqlite:///ledger.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    #: a streaming replica of the PostgreSQL primary that answers the read models' queries
    read_database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8080
    signing_key: str = "ledger-signing.key"
    log_format: str = "auto"  # json | console | auto (console on a terminal, JSON otherwise)
    #: the body that issues dossiers (发文机关): the bureau operating the ledger
    issuer: str = "安全生产责任账本"
    #: the checkpoints' origin line and key name; empty: duty-ledger/<16 hex of the key's digest>
    origin: str = ""
    #: witnesses to push checkpoints to: "URL VKEY" pairs, comma-, semicolon- or newline-separated
    witnesses: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, field_type in (
            ("database_url", str),
            ("read_database_url", str),
            ("host", str),
            ("port", port_number),
            ("signing_key", str),
            ("log_format", str),
            ("issuer", str),
            ("origin", str),
            ("witnesses", str),
        ):
            raw = env.get(f"LEDGER_{name.upper()}")
            if raw:
                try:
                    values[name] = field_type(raw)
                except ValueError as exc:
                    raise ValueError(f"LEDGER_{name.upper()}={raw!r}: {exc}") from None
        return cls(**values)

    def with_overrides(self, **overrides: Any) -> Settings:
        """Command-line options win over the environment; None means "not given"."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def port_number(text: str) -> int:
    """A TCP port from 1 to 65535, or ValueError saying so."""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        raise ValueError(f"a port is a whole number from 1 to 65535, not {text!r}")
    return int(text)
