"""Identity stitching: connected components over (anonymous id, customer id) links, in SQL.

An event that carries both an anonymous id (cookie, device) and a customer id links
the two. Links chain: cookie A ↔ customer C on the web, device B ↔ A when an app
hand-off only knows the web cookie, so B's events belong to C as well. The
components are found by label propagation: every id starts with its own label and
repeatedly takes the smallest label among its neighbours until nothing changes. The
number of rounds is the longest chain, not the number of rows: the loop is over
rounds, each round is one join in DuckDB.

Labels prefer real customer ids: an id that never appears as an anonymous id sorts
first, so a component containing a customer id is named after it; a component of
anonymous ids only is named after its smallest anonymous id.
"""

from __future__ import annotations

import duckdb


def resolve_identities(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    """Build temp table ``__idmap(node, customer_id)`` from the links in ``relation``; returns the rounds taken.

    ``relation`` needs the columns ``anonymous_id`` and ``raw_customer_id``. Ids that take
    part in no link are absent from ``__idmap`` (they resolve to themselves).
    """
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE __links AS
        SELECT DISTINCT anonymous_id AS a, raw_customer_id AS c FROM {relation}
        WHERE anonymous_id IS NOT NULL AND raw_customer_id IS NOT NULL AND anonymous_id <> raw_customer_id
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE __edges AS
        SELECT a AS src, c AS dst FROM __links UNION SELECT c AS src, a AS dst FROM __links
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE __lbl AS
        SELECT e.src AS node, CASE WHEN an.a IS NULL THEN '0' ELSE '1' END || e.src AS label
        FROM (SELECT DISTINCT src FROM __edges) e LEFT JOIN (SELECT DISTINCT a FROM __links) an ON an.a = e.src
    """)
    rounds = 0
    while True:
        rounds += 1
        con.execute("""
            CREATE OR REPLACE TEMP TABLE __lbl_next AS
            SELECT l.node, least(l.label, min(n.label)) AS label
            FROM __lbl l JOIN __edges e ON e.src = l.node JOIN __lbl n ON n.node = e.dst
            GROUP BY l.node, l.label
        """)
        row = con.execute("""
            SELECT count(*) FROM __lbl_next x JOIN __lbl l USING (node) WHERE x.label <> l.label
        """).fetchone()
        con.execute("DROP TABLE __lbl")
        con.execute("ALTER TABLE __lbl_next RENAME TO __lbl")
        if not row or not row[0]:
            break
    con.execute("CREATE OR REPLACE TEMP TABLE __idmap AS SELECT node, substr(label, 2) AS customer_id FROM __lbl")
    for t in ("__lbl", "__edges", "__links"):
        con.execute(f"DROP TABLE {t}")
    return rounds
