"""Compliance dossiers (SPEC §9): a subject's evidence as an official document, verifiable
offline with the ledger's public key.

A read product: it reads the log and the read models and writes files; ``api`` and ``ops``
call it. ``build_dossier`` (``dossier.build``) is the entrance; ``ops.verify_dossier``
checks what it wrote.
"""

from __future__ import annotations

from dossier.build import DEFAULT_ISSUER, build_dossier, zip_path
from dossier.fonts import FontMissing
from dossier.subject import BadSubject, Subject, parse_subject

__all__ = ["DEFAULT_ISSUER", "BadSubject", "FontMissing", "Subject", "build_dossier", "parse_subject", "zip_path"]
