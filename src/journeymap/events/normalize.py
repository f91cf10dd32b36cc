"""Normalise and validate: source columns → the canonical event, or a quarantine reason.

Phase two of ingest. Per source, :func:`normalize` writes two things, both from the same
expressions:

* the *check* rows, in the temporary table ``__chk``: every staged row exactly once, narrow
  (ids, event id, sequence number), with ``reason`` NULL (usable) or one of :data:`REASONS`
  and then its line and raw row as JSON. Counting, quarantining, deduplication and
  stitching read only this table.
* the view ``__norm_<src>``: the canonical rows (properties included), computed from the
  staged source again when the journey-ordering sort reads it. The wide rows are never
  materialised before that sort, so the sort has the memory to itself. The view
  ``__props_<src>`` lists the distinct property values, for the sort's encoding.

Column mapping, time zones (naive times take the workspace's zone; everything is stored as
naive UTC) and the properties (the source's other columns as JSON object text) are decided
here, with expressions chosen per source column type so typed Parquet columns skip string
parsing. Rows carry their source's number (``src``), not its name, to keep the table narrow.
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb

from journeymap.errors import JourneymapError, suggest
from journeymap.events.readers import Staged
from journeymap.events.sql import lit
from journeymap.i18n import t
from journeymap.model.types import EventSettings

CANONICAL = ("customer_id", "ts", "event", "channel", "source", "anonymous_id", "event_id")
TEXT_FIELDS = ("customer_id", "event", "channel", "source", "anonymous_id", "event_id")

#: Quarantine reasons: the English texts of the catalogue's ``reasons.*`` (the store keeps these; outputs show
#: them in the workspace's language through :func:`journeymap.i18n.translate_reason`).
MISSING_CUSTOMER = t("reasons.missing_customer", "en")
EMPTY_EVENT = t("reasons.empty_event", "en")
WRONG_TYPE = t("reasons.wrong_type", "en")
MISSING_TIME = t("reasons.missing_time", "en")
UNPARSABLE_TIME = t("reasons.unparsable_time", "en")
#: The unparsable-time reasons for text that looks like a date written day or month first (Dutch Excel exports
#: write ``31-12-2025 14:05``): the reason says how to read it.
UNPARSABLE_DAY_FIRST = t("reasons.unparsable_day_first", "en")
UNPARSABLE_MONTH_FIRST = t("reasons.unparsable_month_first", "en")
#: d-m-yyyy (or with / or .), optionally followed by a time: what the hints above recognise.
DAY_MONTH_YEAR = r"([0-9]{1,2})[-/.]([0-9]{1,2})[-/.][0-9]{4}([ T].*)?"
FUTURE_TIME = t("reasons.future_time", "en")
OUT_OF_RANGE_TIME = t("reasons.out_of_range_time", "en")
INVALID_UTF8 = t("reasons.invalid_utf8", "en")
MALFORMED = t("reasons.malformed", "en")
INVALID_JSON = t("reasons.invalid_json", "en")

#: Every reason a row can be quarantined for, in the order they are checked (a nested value where an id or
#: name belongs is a wrong type, not a missing value, so that check comes before the missing ones).
REASONS = (INVALID_UTF8, MALFORMED, INVALID_JSON, WRONG_TYPE, MISSING_CUSTOMER, EMPTY_EVENT, MISSING_TIME,
           UNPARSABLE_TIME, UNPARSABLE_DAY_FIRST, UNPARSABLE_MONTH_FIRST, OUT_OF_RANGE_TIME, FUTURE_TIME)

#: The earliest time an event may carry unless the workspace says otherwise (``events.earliest``): earlier
#: times (``epoch``, ``0001-01-01``, ``-infinity``) are placeholders in exports, and break date arithmetic later.
EARLIEST = EventSettings().earliest_time

CHECK_TABLE = "__chk"
CHECK_DDL = f"""
CREATE TEMP TABLE {CHECK_TABLE} (
    src SMALLINT, seq BIGINT, raw_customer_id VARCHAR, anonymous_id VARCHAR, event_id VARCHAR,
    reason VARCHAR, line BIGINT, raw VARCHAR, own_id BOOLEAN
)"""

def norm_view(src: int) -> str:
    """The name of source ``src``'s view of canonical rows."""
    return f"__norm_{int(src)}"


def props_view(src: int) -> str:
    """The name of source ``src``'s view of its distinct ``properties_json`` values (rows of any kind)."""
    return f"__props_{int(src)}"

_NESTED = ("STRUCT", "MAP", "[]", "UNION", "LIST")
_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
            "FLOAT", "DOUBLE", "DECIMAL")


def parse_columns(spec: str | None) -> dict[str, str]:
    """``customer_id=user,ts=time`` → {"customer_id": "user", "ts": "time"} (canonical → source)."""
    out: dict[str, str] = {}
    if not spec:
        return out
    for part in spec.split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise JourneymapError(f"--columns: {part.strip()!r} is not FIELD=SOURCE_COLUMN "
                                  "(e.g. --columns customer_id=user,ts=time)")
        name, _, src = part.partition("=")
        name, src = name.strip(), src.strip()
        if name not in CANONICAL:
            raise JourneymapError(f"--columns: unknown field {name!r}; {suggest(name, CANONICAL)}")
        if not src:
            raise JourneymapError(f"--columns: no source column given for {name!r}")
        out[name] = src
    return out


def resolve_mapping(staged: Staged, mapping: dict[str, str], origin: str) -> dict[str, str | None]:
    """Canonical field → source column for one source; checks that named columns exist."""
    cols = list(staged.columns)
    lower = {c.lower(): c for c in cols}
    out: dict[str, str | None] = {}
    if staged.all_bad:
        return {name: lower.get(name) for name in CANONICAL}
    for name in CANONICAL:
        if name in mapping:
            src = mapping[name]
            if src not in staged.columns:
                found = lower.get(src.lower())
                if found is None:
                    raise JourneymapError(f"{staged.display}: no column {src!r} for {name!r} (from {origin}); "
                                          f"{suggest(src, cols)}")
                src = found
            out[name] = src
        else:
            out[name] = lower.get(name)
    missing = [n for n in ("ts", "event") if out[n] is None]
    if out["customer_id"] is None and out["anonymous_id"] is None:
        missing.insert(0, "customer_id")
    if missing:
        names = ", ".join(missing)
        raise JourneymapError(
            f"{staged.display}: no column for {names}; map the source's columns with "
            f"--columns {missing[0]}=<column> (or events.columns in journeymap.yaml); "
            f"the source has: {', '.join(cols) or 'no columns'}"
        )
    return out


#: A number as text ("12345", "-1.5", "2e3"): in the event column it means a column mapped wrongly (a price,
#: a count), so the row is a wrong type rather than an event named "12345". "nan" and "inf" are names.
_NUMBER = r"[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?"


def _is(typ: str, kinds: tuple[str, ...]) -> bool:
    return any(k in typ.upper() for k in kinds) if kinds is _NESTED else typ.upper().split("(")[0] in kinds


def _trimmed(c: str) -> str:
    """``nullif(trim(c), '')``, trimming only values that start or end with a space: most do not, and
    ``trim`` copies every value it sees (a simple ``LIKE`` pattern is a byte comparison)."""
    return f"CASE WHEN {c} LIKE ' %' OR {c} LIKE '% ' THEN nullif(trim({c}), '') WHEN {c} = '' THEN NULL ELSE {c} END"


def _text(c: str | None, typ: str | None, alias: str) -> tuple[str, str]:
    """(normalised text expression, wrong-type condition) for a text field; ``c`` is the column's SQL reference.

    The condition is evaluated one level up, on ``alias`` (the trimmed value), so a
    text column is trimmed once; ``starts_with`` compares bytes, with no UTF-8 decoding.
    A floating-point NaN or infinity (how pandas writes a missing id) is a missing value.
    """
    if c is None or typ is None:
        return "NULL::VARCHAR", "false"
    if _is(typ, _NESTED):
        return "NULL::VARCHAR", f"{c} IS NOT NULL"
    if typ.upper() == "VARCHAR":
        # JSON text of an object or list; a GUID in braces or "[beta] checkout" is text like any other
        return _trimmed(c), f"((starts_with({alias}, '{{') OR starts_with({alias}, '[')) AND json_valid({alias}))"
    if typ.upper().split("(")[0] in ("FLOAT", "DOUBLE"):
        return f"CASE WHEN isfinite({c}) THEN {c}::VARCHAR END", "false"
    return f"{c}::VARCHAR", "false"


def _epoch(x: str) -> str:
    """A number of seconds, milliseconds, microseconds or nanoseconds since 1970 (told apart by size) as a
    timestamp; NULL for NaN, infinities and numbers no clock gives."""
    return (f"CASE WHEN NOT isfinite({x}) OR abs({x}) >= 1e20 THEN NULL "
            f"WHEN abs({x}) < 1e11 THEN to_timestamp({x}) "
            f"WHEN abs({x}) < 1e14 THEN to_timestamp({x} / 1e3) "
            f"WHEN abs({x}) < 1e17 THEN to_timestamp({x} / 1e6) "
            f"ELSE to_timestamp({x} / 1e9) END")


def _ts(c: str, typ: str, tz: str, formats: list[str] | None = None) -> tuple[str, str]:
    """(UTC naive timestamp expression, wrong-type condition); ``c`` is the column's SQL reference, the session
    TimeZone is the workspace's. Text is read with ``formats`` (strptime, from ``events.time_format``) first,
    then as ISO 8601 or an epoch."""
    t = typ.upper()
    if t == "TIMESTAMP WITH TIME ZONE":  # the instant as naive UTC, from its epoch: no calendar arithmetic
        return f"make_timestamp(epoch_us({c}))", "false"
    if t.startswith("TIMESTAMP") or t == "DATE":
        base = f"{c}::TIMESTAMP"
        return (base if tz == "UTC" else f"timezone('UTC', {base}::TIMESTAMPTZ)"), "false"
    if t.split("(")[0] in _NUMERIC:
        return f"timezone('UTC', {_epoch(f'{c}::DOUBLE')})", "false"
    if t == "VARCHAR":
        v = f"trim({c})"
        iso = f"TRY_CAST({v} AS TIMESTAMPTZ)"
        if formats:  # a naive result is a time in the session's (the workspace's) zone, like naive ISO text
            listed = ", ".join(lit(f) for f in formats)
            iso = f"coalesce(try_strptime({v}, [{listed}])::TIMESTAMPTZ, {iso})"
        expr = (f"timezone('UTC', CASE WHEN regexp_full_match({v}, '[0-9]{{9,10}}(\\.[0-9]+)?|[0-9]{{12,19}}') "
                f"THEN {_epoch(f'TRY_CAST({v} AS DOUBLE)')} "
                f"ELSE {iso} END)")
        return expr, "false"
    return "NULL::TIMESTAMP", f"{c} IS NOT NULL"


def _properties(staged: Staged, used: set[str]) -> str:
    """The unmapped columns as JSON object text, NULL values left out (``{}`` when none).

    Built by string concatenation (``concat_ws`` skips the NULL members): several times
    cheaper than a MAP, and a flat string is what the journey-ordering sort carries best.
    """
    members = []
    for col, typ in sorted(staged.columns.items()):  # by name: the same row in two exports is the same text
        if col in used:
            continue
        val = f"{staged.col(col)}::VARCHAR" if typ.upper() != "VARCHAR" else staged.col(col)
        members.append(f"CASE WHEN {val} IS NOT NULL THEN {lit(json.dumps(col) + ':')} || to_json({val})::VARCHAR END")
    if not members:
        return "'{}'"
    return f"'{{' || concat_ws(',', {', '.join(members)}) || '}}'"


_ALIAS = {"customer_id": "__cust", "anonymous_id": "__anon", "event": "__event", "channel": "__channel",
          "source": "__source", "event_id": "__eid"}


def normalize(con: duckdb.DuckDBPyConnection, staged: Staged, mapping: dict[str, str | None], *, tz: str,
              seq_base: int, now: dt.datetime, max_future_days: int, src: int = 0,
              earliest: dt.datetime = EARLIEST, keep_duplicates: bool = False,
              time_formats: list[str] | None = None) -> int:
    """Check source ``src``'s staged rows into ``__chk`` and create its view ``__norm_<src>``; returns the last ``seq``.

    ``seq`` numbers the rows from ``seq_base + 1`` in source order. The check rows hold a
    row's event id (the source's, or an MD5 of the row when it has none), so duplicates are
    found without the properties; those are built only where the row hash needs them.

    A row's hash is its content: customer, anonymous id, time, event, channel and properties. The file
    it came from is no part of it, so overlapping exports, a renamed copy or the gzip of a file already
    ingested add nothing (``own_id`` in the check rows says whether the id is the source's own).
    With ``keep_duplicates`` identical rows in one source are repeats, not copies: the n-th of them gets
    the hash with ``#n`` appended, so they are all stored, and the same file ingested again still adds nothing.
    """
    typ = staged.columns
    text = {f: _text(staged.col(c) if (c := mapping[f]) else None, typ.get(c or ""), _ALIAS[f]) for f in TEXT_FIELDS}
    ts_col = mapping["ts"]
    assert ts_col is not None
    ts_ref = staged.col(ts_col)
    ts_expr, ts_wrong = _ts(ts_ref, typ[ts_col], tz, time_formats)
    ts_missing = (f"{_trimmed(ts_ref)} IS NULL" if typ[ts_col].upper() == "VARCHAR" else f"{ts_ref} IS NULL")
    hint = ""
    if typ[ts_col].upper() == "VARCHAR" and not time_formats:  # say how to read a date written day or month first
        dmy = f"regexp_extract(trim({ts_ref}), {lit(DAY_MONTH_YEAR)}, ['d', 'm'])"
        hint = (f"WHEN __ts IS NULL AND regexp_full_match(trim({ts_ref}), {lit(DAY_MONTH_YEAR)}) THEN "
                f"CASE WHEN TRY_CAST({dmy}.m AS INTEGER) > 12 AND TRY_CAST({dmy}.d AS INTEGER) <= 12 "
                f"THEN {lit(UNPARSABLE_MONTH_FIRST)} ELSE {lit(UNPARSABLE_DAY_FIRST)} END")
    checks = [w for _, w in text.values() if w != "false"] + ([ts_wrong] if ts_wrong != "false" else [])
    if mapping["event"] is not None and typ[mapping["event"]].upper() == "VARCHAR":
        checks.append(f"regexp_full_match(__event, {lit(_NUMBER)})")  # a number is no event name
    wrong = " OR ".join(checks) or "false"
    used = {c for c in mapping.values() if c is not None}
    source_expr = text["source"][0] if mapping["source"] else lit(staged.source_label)
    future = now.replace(tzinfo=None) + dt.timedelta(days=max_future_days)
    props = _properties(staged, used)
    # The row hash spells the properties out rather than naming a column, so a row with an event id never builds them.
    row_hash = ("md5(concat_ws(chr(31), coalesce(__cust, ''), coalesce(__anon, ''), "
                f"coalesce(__ts::VARCHAR, ''), __event, coalesce(__channel, ''), {props}))")
    event_id = f"coalesce(__eid, {row_hash})"
    inner = f"""
        SELECT *, {text['customer_id'][0]} AS __cust, {text['anonymous_id'][0]} AS __anon, {ts_expr} AS __ts,
               {text['event'][0]} AS __event, lower({text['channel'][0]}) AS __channel, {source_expr} AS __source,
               {text['event_id'][0]} AS __eid
        FROM {staged.relation}"""
    if keep_duplicates:  # the n-th identical row: its number in source order (the view and the check agree)
        inner = (f"SELECT *, row_number() OVER (PARTITION BY __eid IS NULL, __h ORDER BY __n) AS __k "
                 f"FROM (SELECT *, CASE WHEN __eid IS NULL THEN {row_hash} END AS __h FROM ({inner}))")
        event_id = "coalesce(__eid, __h || CASE WHEN __k > 1 THEN '#' || __k ELSE '' END)"
    reason = f"""CASE
            WHEN __bad IS NOT NULL THEN __bad
            WHEN coalesce({wrong}, false) THEN {lit(WRONG_TYPE)}
            WHEN __cust IS NULL AND __anon IS NULL THEN {lit(MISSING_CUSTOMER)}
            WHEN __event IS NULL THEN {lit(EMPTY_EVENT)}
            WHEN {ts_missing} THEN {lit(MISSING_TIME)}
            {hint}
            WHEN __ts IS NULL THEN {lit(UNPARSABLE_TIME)}
            WHEN NOT isfinite(__ts) OR __ts < {lit(earliest.isoformat(sep=' '))}::TIMESTAMP
                THEN {lit(OUT_OF_RANGE_TIME)}
            WHEN __ts > {lit(future.isoformat(sep=' '))}::TIMESTAMP THEN {lit(FUTURE_TIME)}
        END"""
    # Distinct property values come from the distinct combinations of the columns they are built of: far
    # fewer strings to build than one per row.
    unmapped = ", ".join(staged.col(c) for c in staged.columns if c not in used)
    props_source = f"(SELECT DISTINCT {unmapped} FROM {staged.relation})" if unmapped else "(SELECT 1)"
    try:
        con.execute(f"CREATE TEMP VIEW {props_view(src)} AS SELECT DISTINCT {props} AS properties_json "
                    f"FROM {props_source}")
        con.execute(f"""
            CREATE TEMP VIEW {norm_view(src)} AS
            SELECT {int(src)}::SMALLINT AS src, {seq_base} + __n AS seq, __cust AS raw_customer_id,
                   __anon AS anonymous_id, __ts AS ts, __event AS event, __channel AS channel, __source AS source,
                   {event_id} AS event_id, {props} AS properties_json
            FROM ({inner})
        """)
        con.execute(f"""
            INSERT INTO {CHECK_TABLE}
            SELECT {int(src)}, {seq_base} + __n, __cust, __anon,
                   CASE WHEN __reason IS NULL THEN {event_id} END, __reason,
                   CASE WHEN __reason IS NOT NULL THEN __line END,
                   CASE WHEN __reason IS NOT NULL THEN {staged.raw_expr()} END, __eid IS NOT NULL
            FROM (SELECT *, {reason} AS __reason FROM ({inner}))
        """)
        if staged.rejects:
            con.execute(f"""
                INSERT INTO {CHECK_TABLE} (src, seq, reason, line, raw)
                SELECT {int(src)}, NULL, reason, line, raw FROM {staged.rejects}
            """)
    except duckdb.Error as exc:
        raise JourneymapError(f"cannot read the rows of {staged.display}: {exc}") from exc
    row = con.execute(f"SELECT coalesce(max(seq), {seq_base}) FROM {CHECK_TABLE} WHERE src = {int(src)}").fetchone()
    return int(row[0]) if row else seq_base
