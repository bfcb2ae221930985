"""Settings of a tierwise installation, from ``TIERWISE_*`` environment variables.

Read by entry points through :mod:`tierwise.bootstrap`, never by the core. Every setting has a
working embedded default: with nothing set, the ledger is a SQLite file in ``./.tierwise``.

=============================  ==============================================================
``TIERWISE_DATA_DIR``          directory of the embedded database (default ``./.tierwise``)
``TIERWISE_DATABASE_URL``      a database URL instead, e.g. ``postgresql://user@host/db``
``TIERWISE_CATALOG``           the catalog YAML (default ``examples/catalog.yaml`` if present)
``TIERWISE_PLAYBOOK``          the playbook YAML (default ``examples/playbook.yaml`` if present)
``TIERWISE_REVOKE_WINDOW_DAYS`` days a revocation stays reversible (default 14)
``TIERWISE_DORMANT_DAYS``      days without activity that make a seat dormant (default 30)
``TIERWISE_SEAT_NOTICE_DAYS``  days between a reclaim notice and the reclaim (default 7)
``TIERWISE_KEY_SECRET``        HMAC secret of the API key digests (embedded default: generated
                               once into ``DATA_DIR/api-key-secret``; required with a database URL)
``TIERWISE_SIGNING_KEY``       Ed25519 key (PEM) that signs license files served by the API
                               (embedded default: generated once into ``DATA_DIR``)
``TIERWISE_API_RATE_LIMIT``    requests per second per API key, unless the key sets its own
                               (default 100; bursts of twice that; 0 for no limit)
``TIERWISE_EVENTS_TABLE``      the vendor's own events table that ``decide`` reads instead of the
                               event store: a Parquet path, ``FILE.duckdb#TABLE`` or a Spark
                               catalog table (see ``adapters/analytics/event_tables.py``)
``TIERWISE_EVENTS_MAPPING``    its columns for ours, ``account=org_id,time=occurred_at,...``
=============================  ==============================================================
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_CATALOG", "DEFAULT_PLAYBOOK", "Settings"]

#: Where the CLI looks for a catalog when none is named (relative to the working directory).
DEFAULT_CATALOG = Path("examples/catalog.yaml")
#: Where the decisioning looks for a playbook when none is named.
DEFAULT_PLAYBOOK = Path("examples/playbook.yaml")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIERWISE_", extra="ignore")

    data_dir: Path = Field(default=Path(".tierwise"))
    database_url: str | None = None
    catalog: Path | None = None
    playbook: Path | None = None
    revoke_window_days: int = Field(default=14, ge=0)
    dormant_days: int = Field(default=30, ge=1)
    seat_notice_days: int = Field(default=7, ge=0)
    key_secret: SecretStr | None = None
    signing_key: Path | None = None
    api_rate_limit: int = Field(default=100, ge=0)
    events_table: str | None = None
    events_mapping: str | None = None

    @property
    def embedded(self) -> bool:
        """True when the ledger is the embedded SQLite file (no database URL set)."""
        return not self.database_url
