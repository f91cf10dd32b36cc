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

    The rounds work on integers: every linked id gets its rank in label order (customer ids
    before anonymous ids, then by text), so the smallest label is the smallest number and
    the text is looked up once, at the end.
    """
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE __links AS
        SELECT DISTINCT anonymous_id AS a, raw_customer_id AS c FROM {relation}
        WHERE anonymous_id IS NOT NULL AND raw_customer_id IS NOT NULL AND anonymous_id <> raw_customer_id
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE __nodes AS
        SELECT id, (dense_rank() OVER (ORDER BY is_anon, id))::INTEGER AS n FROM (
            SELECT c.id, an.a IS NOT NULL AS is_anon
            FROM (SELECT a AS id FROM __links UNION SELECT c FROM __links) c
            LEFT JOIN (SELECT DISTINCT a FROM __links) an ON an.a = c.id)
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE __edges AS
        SELECT na.n AS src, nc.n AS dst FROM __links l JOIN __nodes na ON na.id = l.a JOIN __nodes nc ON nc.id = l.c
    """)
    con.execute("CREATE OR REPLACE TEMP TABLE __edges AS SELECT src, dst FROM __edges UNION SELECT dst, src FROM __edges")
    con.execute("CREATE OR REPLACE TEMP TABLE __lbl AS SELECT n AS node, n AS label FROM __nodes")
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
    con.execute("""
        CREATE OR REPLACE TEMP TABLE __idmap AS
        SELECT node.id AS node, name.id AS customer_id
        FROM __lbl l JOIN __nodes node ON node.n = l.node JOIN __nodes name ON name.n = l.label
    """)
    for t in ("__lbl", "__edges", "__nodes", "__links"):
        con.execute(f"DROP TABLE {t}")
    return rounds
