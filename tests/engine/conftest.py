"""Engine fixtures: the same hand-made event logs on DuckDB and on a local PySpark session.

``backend`` is parametrised over both (Ibis's own ``backends/conftest.py`` does the same);
the Spark half is marked ``spark`` and skipped when PySpark is not installed. One Spark
session serves the whole test session (it takes ~20 s to start).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
import pytest

SCHEMA = ibis.schema({
    "customer_id": "string",
    "ts": "timestamp",
    "event": "string",
    "channel": "string",
    "source": "string",
    "anonymous_id": "string",
    "raw_customer_id": "string",
    "event_id": "string",
    "seq": "int64",
    "properties": "map<string, string>",
})
SPARK_SCHEMA = ("customer_id string, ts timestamp, event string, channel string, source string, "
                "anonymous_id string, raw_customer_id string, event_id string, seq long, "
                "properties map<string,string>")

Row = tuple[Any, ...]


def log_frame(rows: Sequence[Row]) -> pd.DataFrame:
    """Rows ``(customer, "YYYY-MM-DD HH:MM", event[, channel[, properties]])`` in the event-store layout."""
    seq = itertools.count(1)
    records = []
    for r in rows:
        customer, ts, event = r[0], r[1], r[2]
        channel = r[3] if len(r) > 3 else None
        props = r[4] if len(r) > 4 else {}
        n = next(seq)
        records.append({
            "customer_id": customer, "ts": pd.Timestamp(ts), "event": event, "channel": channel,
            "source": "test", "anonymous_id": None, "raw_customer_id": customer, "event_id": f"e{n}",
            "seq": n, "properties": dict(props),
        })
    df = pd.DataFrame.from_records(records, columns=list(SCHEMA.names))
    df["ts"] = pd.to_datetime(df["ts"]).astype("datetime64[us]")
    return df.sort_values(["customer_id", "ts", "seq"], kind="stable").reset_index(drop=True)


class Backend:
    """Builds event tables on one Ibis backend."""

    def __init__(self, name: str, spark: Any = None) -> None:
        self.name = name
        self.spark = spark
        self.con: Any = ibis.duckdb.connect() if name == "duckdb" else ibis.pyspark.connect(spark)

    def table(self, rows: Sequence[Row]) -> ir.Table:
        df = log_frame(rows)
        name = "ev_" + uuid.uuid4().hex[:10]
        if self.name == "duckdb":
            arrow = pa.Table.from_pandas(
                df.assign(properties=[list(p.items()) for p in df.properties]),
                schema=SCHEMA.to_pyarrow(), preserve_index=False,
            )
            return self.con.create_table(name, arrow)
        self.spark.createDataFrame(df, schema=SPARK_SCHEMA).createOrReplaceTempView(name)
        return self.con.table(name)


@pytest.fixture(scope="session")
def spark_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    pyspark_sql = pytest.importorskip("pyspark.sql")
    warehouse: Path = tmp_path_factory.mktemp("spark-warehouse")
    session = (
        pyspark_sql.SparkSession.builder.master("local[1]")
        .appName("journeymap-tests")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session", params=["duckdb", pytest.param("pyspark", marks=pytest.mark.spark)])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "duckdb":
        return Backend("duckdb")
    return Backend("pyspark", request.getfixturevalue("spark_session"))


@pytest.fixture
def duck() -> Backend:
    """DuckDB only, for tests of messages and CLI plumbing that need no parity check."""
    return Backend("duckdb")


MakeTable = Callable[[Sequence[Row]], ir.Table]


# --------------------------------------------------------------------------------------------
# The hand-made shop journey and log every engine test computes its expectations from.
#
# Design (``next`` edges):  ad → product,  landing → product,  product → cart | chat,
#                           chat → cart,   cart → pay,  pay → (end)
# Entry steps: ad, landing.  Stages: aware [ad, landing], consider [product, chat], buy [cart, pay].
# The ``chat`` step is bound to ``chat_started``, which never occurs: assumed, not real.
SHOP_JOURNEY = {
    "id": "shop", "title": "Shop",
    "stages": [{"id": "aware", "name": "Aware"}, {"id": "consider", "name": "Consider"},
               {"id": "buy", "name": "Buy"}],
    "steps": [
        {"id": "ad", "name": "Sees an ad", "stage": "aware", "channel": "social", "entry": True,
         "binding": {"events": ["ad_click"]}, "next": ["product"]},
        {"id": "landing", "name": "Lands from search", "stage": "aware", "channel": "web", "entry": True,
         "binding": {"events": ["landing_*"]}, "next": ["product"]},
        {"id": "product", "name": "Views a product", "stage": "consider", "channel": "web",
         "binding": {"events": ["product_view"]}, "next": ["cart", "chat"]},
        {"id": "chat", "name": "Asks in chat", "stage": "consider", "channel": "chat",
         "binding": {"events": ["chat_started"]}, "next": ["cart"]},
        {"id": "cart", "name": "Adds to cart", "stage": "buy", "channel": "web",
         "binding": {"events": ["re:^add_to_cart$"]}, "next": ["pay"]},
        {"id": "pay", "name": "Pays", "stage": "buy", "channel": "web",
         "binding": {"events": ["payment"]}, "next": []},
    ],
}

FAN = {"segment": "fan"}
HUNTER = {"segment": "hunter"}
SHOP_LOG: list[Row] = [
    # a: the designed happy path; the second product_view is a repeat (same visit)
    ("a", "2024-01-01 10:00", "ad_click", "social", FAN),
    ("a", "2024-01-01 10:05", "product_view", "web", FAN),
    ("a", "2024-01-01 10:06", "product_view", "web", FAN),
    ("a", "2024-01-01 10:20", "add_to_cart", "web"),
    ("a", "2024-01-01 11:00", "payment", "web"),
    # b: from search to product, then stalls: the cart comes 18 days later (> the 14-day window)
    ("b", "2024-01-02 09:00", "landing_page", "search", HUNTER),
    ("b", "2024-01-02 09:10", "product_view", "web", HUNTER),
    ("b", "2024-01-20 09:10", "add_to_cart", "email"),
    # c: never on the map (real, but not on the map)
    ("c", "2024-01-03 09:00", "newsletter_opened", "email"),
    # d: enters at product (not an entry step), detours via the ad, loops back to product, then pays
    ("d", "2024-01-03 09:00", "product_view", "web"),
    ("d", "2024-01-03 09:01", "ad_click", "social"),
    ("d", "2024-01-03 09:02", "add_to_cart", "web"),
    ("d", "2024-01-04 09:02", "product_view", "web"),
    ("d", "2024-01-04 09:03", "add_to_cart", "web"),
    ("d", "2024-01-04 09:04", "payment", "web"),
]
# Step visits (runs of the same step) per customer, which most expectations are read from:
#   a: ad 10:00, product 10:05, cart 10:20, pay 11:00
#   b: landing 01-02 09:00, product 09:10, cart 01-20 09:10
#   d: product 01-03 09:00, ad 09:01, cart 09:02, product 01-04 09:02, cart 09:03, pay 09:04


@pytest.fixture(scope="session")
def shop() -> Any:
    from journeymap.model.types import Journey

    return Journey.model_validate(SHOP_JOURNEY)


@pytest.fixture(scope="session")
def shop_log(backend: Backend) -> ir.Table:
    return backend.table(SHOP_LOG)


#: ``journeymap.yaml`` lines that read the events from ``events.parquet`` beside it on PySpark.
SPARK_EVENTS = "events:\n  source:\n    kind: pyspark\n    path: events.parquet\n"


def ibis_events(url: str, table: str) -> str:
    """``journeymap.yaml`` lines that read the events from ``table`` through Ibis at ``url``."""
    return f"events:\n  source:\n    kind: ibis\n    url: {url}\n    table: {table}\n"


def write_workspace(root: Path, journey: dict[str, Any], *, name: str, settings: str = "") -> Path:
    """A workspace folder with one journey (``journeys/<id>.yaml``), English and UTC, ``settings`` added to its
    ``journeymap.yaml``."""
    import yaml

    (root / "journeys").mkdir(parents=True)
    (root / "journeymap.yaml").write_text(f"name: {name}\nlanguage: en\ntimezone: UTC\n{settings}", encoding="utf-8")
    (root / "journeys" / f"{journey['id']}.yaml").write_text(yaml.safe_dump(journey, sort_keys=False),
                                                             encoding="utf-8")
    return root


def shop_log_csv(path: Path) -> Path:
    """:data:`SHOP_LOG` as an export would be: ``customer_id,ts,event,channel,segment``."""
    lines = ["customer_id,ts,event,channel,segment"] + [
        f"{r[0]},{r[1]}:00,{r[2]},{r[3]},{(r[4] if len(r) > 4 else {}).get('segment', '')}" for r in SHOP_LOG]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def export_parquet(ws: Path, path: Path) -> None:
    """The events of workspace ``ws``'s store as a Parquet file (for a PySpark workspace beside it)."""
    import duckdb

    from journeymap.events.store import store_path
    from journeymap.model.workspace import load_workspace

    con = duckdb.connect(str(store_path(load_workspace(ws))), read_only=True)
    try:
        con.execute(f"COPY (SELECT * FROM events) TO '{path}' (FORMAT parquet)")
    finally:
        con.close()
