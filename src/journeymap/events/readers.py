"""Readers: put one source's rows into DuckDB, untouched, with their line numbers.

Phase one of ingest. Each reader creates a temporary relation holding the source's
own columns plus ``__line`` (the line or row number a user can look up), ``__bad``
(a reason when the reader itself could not use the row, e.g. invalid JSON) and
``__raw`` (the raw text of such a row). Lines the CSV parser rejects (invalid UTF-8,
wrong number of fields) come back separately in :attr:`Staged.rejects`, so nothing
is dropped silently. Validation and mapping happen later, in :mod:`.normalize`.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from journeymap.errors import JourneymapError
from journeymap.events.csvparts import REJECT_REASONS, _chunks, read_parts
from journeymap.events.sql import ident, lit
from journeymap.model.workspace import display_path

FORMATS = ("csv", "parquet", "jsonl")
_SUFFIXES = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv", ".psv": "csv",
    ".parquet": "parquet", ".pq": "parquet",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
}
_DELIMITERS = ",;\t|"
_DATE_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}[/-]\d{1,2}[/-]\d{2,4}|^\d{9,13}$")
#: Columns the readers add to every staged relation.
INTERNAL_COLUMNS = frozenset({"__n", "__line", "__bad", "__raw"})


@dataclass
class Staged:
    """One source's rows in DuckDB, ready for normalisation."""

    display: str
    relation: str
    columns: dict[str, str]
    source_label: str
    rejects: str | None = None
    #: Source column name → its column in :attr:`relation`. Readers name the source's columns ``c1 … cN`` there,
    #: so a source column named like one of ours (``__line``, ``__cust`` …) can never take one of our places;
    #: a name missing here is the relation's own column name (sources staged without renaming).
    sql_names: dict[str, str] = field(default_factory=dict)
    raw_is_line: bool = False
    #: No row of the source is usable (e.g. no line of a JSON-lines file is an object): its columns are only
    #: the required fields, empty, so that every row reaches the quarantine with the reader's reason.
    all_bad: bool = False
    notes: list[str] = field(default_factory=list)
    #: A file the relation reads in place (a view), with its size and modification time when staged: the
    #: ingest reads it twice and checks that it did not change in between.
    read_in_place: tuple[Path, int, int] | None = None

    def col(self, name: str) -> str:
        """The SQL reference to source column ``name`` in :attr:`relation`."""
        return ident(self.sql_names.get(name, name))

    def raw_expr(self) -> str:
        """The SQL text of a row as read (its line, or its fields as a JSON object under the source's names)."""
        if self.raw_is_line:
            return "__raw"
        fields = ", ".join(f"{ident(c)} := {self.col(c)}" for c in self.columns)
        return f"to_json(struct_pack({fields}))::VARCHAR" if fields else "'{}'"

    def changed(self) -> bool:
        """Whether a file read in place is no longer the one staged (its size or modification time differ)."""
        if self.read_in_place is None:
            return False
        path, size, mtime = self.read_in_place
        try:
            st = path.stat()
        except OSError:
            return True
        return (st.st_size, st.st_mtime_ns) != (size, mtime)


def detect_format(path: Path) -> str:
    """``csv``, ``parquet`` or ``jsonl``, from the suffix (``.gz`` ignored) or the first bytes."""
    suffixes = [s.lower() for s in path.suffixes]
    while suffixes and suffixes[-1] in (".gz", ".gzip"):
        suffixes.pop()
    if suffixes and suffixes[-1] in _SUFFIXES:
        return _SUFFIXES[suffixes[-1]]
    head = _sample(path, 4096)
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.lstrip().startswith(b"{"):
        return "jsonl"
    return "csv"


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _sample(path: Path, size: int = 65536) -> bytes:
    opener = gzip.open if _is_gzip(path) else open
    try:
        with opener(path, "rb") as fh:
            return fh.read(size)  # type: ignore[no-any-return]
    except (OSError, EOFError) as exc:
        raise JourneymapError(f"cannot read {display_path(path)}: {exc}") from exc


#: Names a header is recognised by when choosing the delimiter (the canonical fields and common exports').
_KNOWN = {"customer_id", "ts", "event", "channel", "source", "anonymous_id", "event_id", "timestamp", "time",
          "user_id", "user", "event_name", "date", "datetime", "created_at"}


def _guess_delimiter(lines: list[str], mapped: list[str]) -> str:
    """The delimiter that splits the lines (quotes respected) into the same number of fields, more than one:
    a header naming known fields (or the mapped columns) decides first; else the most consistent split."""
    known = _KNOWN | {m.lower() for m in mapped}
    best, best_score = ",", (-1.0, 0)
    for d in _DELIMITERS:
        rows = list(csv.reader(lines, delimiter=d))
        if not rows:
            continue
        header = {c.strip().lower() for c in rows[0]}
        if len(rows[0]) > 1 and len(header & known) >= 2:
            return d
        widths = [len(r) for r in rows]
        mode = max(set(widths), key=widths.count)
        score = (widths.count(mode) / len(widths) if mode > 1 else 0.0, mode)
        if score > best_score:
            best, best_score = d, score
    return best


def sniff_csv(path: Path, delimiter: str | None, header: bool | None, mapped: list[str]) -> tuple[str, bool]:
    """The delimiter and whether the first line is a header.

    DuckDB's own sniffer guesses too, but it can be fooled by a few bad rows; this
    one looks at the first lines only, and the user can override both guesses.
    """
    text = _sample(path).decode("utf-8", errors="replace")
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if not lines:
        raise JourneymapError(f"{display_path(path)} is empty: no rows to ingest")
    if delimiter is None:
        delimiter = _guess_delimiter(lines[:20], mapped)
    if header is None:
        first = next(csv.reader([lines[0]], delimiter=delimiter), [])
        named = [m for m in mapped if not re.fullmatch(r"column\d+", m)]
        if mapped and not named:
            header = False
        elif named and all(m in first for m in named):
            header = True
        else:
            header = not any(_DATE_LIKE.search(cell.strip()) for cell in first)
    if header and len(lines) == 1:
        raise JourneymapError(f"{display_path(path)} has a header line but no rows to ingest")
    return delimiter, header


def _describe(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    rows = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    return {str(r[0]): str(r[1]) for r in rows if str(r[0]) not in INTERNAL_COLUMNS}


def _source_columns(con: duckdb.DuckDBPyConnection, scan: str) -> list[tuple[str, str]]:
    """(name, type) of every column a table function yields, in order, internal-looking names included."""
    return [(str(r[0]), str(r[1])) for r in con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()]


def safe_names(names: list[str]) -> dict[str, str]:
    """Source column name → ``c1 … cN``: the names the staged relation gives the source's columns."""
    return {name: f"c{i}" for i, name in enumerate(names, start=1)}


def _renamed(names: dict[str, str]) -> str:
    """The select list that renames the source's columns to their staged names."""
    return ", ".join(f"{ident(src)} AS {ident(dst)}" for src, dst in names.items())


def _line_numbers(con: duckdb.DuckDBPyConnection, table: str, rejects: str, first_line: int) -> None:
    """Turn row indexes into physical line numbers, skipping the lines the parser rejected."""
    n_rej = con.execute(f"SELECT count(*) FROM {rejects}").fetchone()
    if not n_rej or not n_rej[0]:
        return  # the rows were numbered from the first line already
    # Good row n (1-based) sits after rejected line j when fewer than n good rows precede it.
    con.execute(f"""
        UPDATE {table} SET __line = {table}.__n + {first_line - 1} + g.j
        FROM (
            SELECT n.__n, max(r.j) AS j FROM {table} n
            JOIN (SELECT line - {first_line} - (row_number() OVER (ORDER BY line) - 1) AS g,
                         row_number() OVER (ORDER BY line) AS j FROM {rejects}) r ON r.g <= n.__n - 1
            GROUP BY n.__n
        ) g WHERE g.__n = {table}.__n
    """)


def _reject_relation(con: duckdb.DuckDBPyConnection, rej_table: str, name: str) -> str:
    """Rejected lines as (line, reason, raw), one row per line."""
    cases = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in REJECT_REASONS.items())
    con.execute(f"""
        CREATE TEMP TABLE {name} AS
        SELECT line, CASE first(error_type ORDER BY column_idx) {cases} ELSE 'malformed row' END AS reason,
               to_json(struct_pack(line_text := first(csv_line), error := first(error_message)))::VARCHAR AS raw
        FROM {rej_table} GROUP BY line
    """)
    return name


def header_names(path: Path, delimiter: str, has_header: bool) -> list[str]:
    """The column names of a CSV, named the way DuckDB names them: the header's cells trimmed, an empty one
    ``column<i>``, a repeated one ``name_1``; without a header ``column0 … column<n-1>``."""
    text = _sample(path).decode("utf-8", errors="replace")
    first = next(csv.reader(io.StringIO(text.lstrip("\r\n")), delimiter=delimiter), [])
    if not has_header:
        return [f"column{i}" for i in range(len(first))]
    names: list[str] = []
    for i, cell in enumerate(first):
        base = cell.strip() or f"column{i}"
        name, k = base, 0
        while name in names:
            k += 1
            name = f"{base}_{k}"
        names.append(name)
    return names


def stage_csv(con: duckdb.DuckDBPyConnection, path: Path, key: str, *, delimiter: str | None = None,
              header: bool | None = None, mapped: list[str] | None = None) -> Staged:
    """Read a CSV (any delimiter, header or not, gzip'd or not) as text columns; see :mod:`.csvparts` for
    how every record is accounted for."""
    delim, has_header = sniff_csv(path, delimiter, header, mapped or [])
    names = header_names(path, delim, has_header)
    if not names:
        raise JourneymapError(f"{display_path(path)} is empty: no rows to ingest")
    sql_names = safe_names(names)
    table, rejects = f"__raw_{key}", f"__rej_{key}"
    spec = ", ".join(f"{ident(c)} VARCHAR" for c in sql_names.values())
    con.execute(f"CREATE TEMP TABLE {table} ({spec}, __n BIGINT, __line BIGINT, __bad VARCHAR, __raw VARCHAR)")
    con.execute(f"CREATE TEMP TABLE {rejects} (line BIGINT, reason VARCHAR, raw VARCHAR)")
    with tempfile.TemporaryDirectory(prefix="journeymap-csv-") as tmp:
        notes = read_parts(con, path, table, rejects, list(sql_names.values()), delim=delim, header=has_header,
                           key=key, workdir=Path(tmp))
    return Staged(display_path(path), table, dict.fromkeys(names, "VARCHAR"), path.name, rejects,
                  sql_names=sql_names,
                  notes=[f"delimiter {delim!r}, {'with' if has_header else 'without'} header", *notes])


def json_lines(path: Path, batch: int = 200_000) -> Iterator[pa.Table]:
    """The lines of a JSON-lines file as tables of (line text, line number, undecodable), in file order.

    Lines end at ``\n`` only (a ``\r`` before it is dropped): a carriage return inside a line is part of
    it, so it can never split a record or shift the numbers after it, as a CSV parser's line detection
    does. Undecodable bytes are kept as ``\\xNN`` and the line is flagged. Blank lines are numbered and
    left out.
    """
    texts: list[str] = []
    numbers: list[int] = []
    undecodable: list[bool] = []
    n = 0

    def add(lines: list[bytes]) -> None:
        nonlocal n
        try:
            decoded = b"\n".join(lines).decode("utf-8").split("\n")
            bad = [False] * len(lines)
        except UnicodeDecodeError:
            decoded, bad = [], []
            for raw in lines:
                try:
                    decoded.append(raw.decode("utf-8"))
                    bad.append(False)
                except UnicodeDecodeError:
                    decoded.append(raw.decode("utf-8", errors="backslashreplace"))
                    bad.append(True)
        for text, flag in zip(decoded, bad, strict=True):
            n += 1
            if text.endswith("\r"):
                text = text[:-1]
            if text.strip():
                texts.append(text)
                numbers.append(n)
                undecodable.append(flag)

    def table() -> pa.Table:
        out = pa.table({"line": pa.array(texts, pa.large_string()), "__line": pa.array(numbers, pa.int64()),
                        "undecodable": pa.array(undecodable, pa.bool_())})
        texts.clear()
        numbers.clear()
        undecodable.clear()
        return out

    pending = b""
    for chunk in _chunks(path):
        data = pending + chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            pending = data
            continue
        pending = data[cut + 1:]
        add(data[:cut].split(b"\n"))
        if len(texts) >= batch:
            yield table()
    if pending:
        add([pending])
    if texts:
        yield table()


def json_path(key: str) -> str:
    """The JSON pointer of a top-level key (RFC 6901): any key, ``""``, ``a/b`` and ``a~b`` included."""
    return lit("/" + key.replace("~", "~0").replace("/", "~1"))


def stage_jsonl(con: duckdb.DuckDBPyConnection, path: Path, key: str) -> Staged:
    """Read JSON lines: one object per line; keys become columns (text), unusable lines are flagged."""
    lines = f"__lines_{key}"
    con.execute(f"CREATE TEMP TABLE {lines} (line VARCHAR, __line BIGINT, undecodable BOOLEAN)")
    for part in json_lines(path):
        con.register("__jsonl_part", part)
        try:
            con.execute(f"INSERT INTO {lines} SELECT line, __line, undecodable FROM __jsonl_part")
        finally:
            con.unregister("__jsonl_part")
    con.execute(f"""ALTER TABLE {lines} ADD COLUMN j JSON;
        UPDATE {lines} SET j = CASE WHEN NOT undecodable AND json_valid(line) AND json_type(line::JSON) = 'OBJECT'
                                    THEN line::JSON END""")
    keys = [str(r[0]) for r in con.execute(f"""
        SELECT k FROM (SELECT unnest(json_keys(j)) AS k, __line, generate_subscripts(json_keys(j), 1) AS i
                       FROM {lines} WHERE j IS NOT NULL)
        GROUP BY k ORDER BY min(__line), min(i)""").fetchall()]
    total = con.execute(f"SELECT count(*) FROM {lines}").fetchone()
    if not keys and not (total and total[0]):
        raise JourneymapError(f"{display_path(path)} is empty: no rows to ingest")
    cols = []
    all_bad = not keys  # no line is a JSON object: every row is quarantined for its own reason
    if all_bad:
        keys = ["customer_id", "ts", "event"]
    names = safe_names(keys)
    for k in keys:
        p = json_path(k)
        cols.append(f"CASE json_type(j, {p}) WHEN 'VARCHAR' THEN json_extract_string(j, {p}) WHEN 'NULL' THEN NULL "
                    f"ELSE json_extract(j, {p})::VARCHAR END AS {ident(names[k])}")
    table = f"__raw_{key}"
    bad = "CASE WHEN undecodable THEN 'invalid UTF-8' WHEN j IS NULL THEN 'invalid JSON' END AS __bad"
    select = ", ".join([*cols, "row_number() OVER (ORDER BY __line) AS __n", "__line", bad, "line AS __raw"])
    con.execute(f"CREATE TEMP TABLE {table} AS SELECT {select} FROM {lines}")
    con.execute(f"DROP TABLE {lines}")
    return Staged(display_path(path), table, dict.fromkeys(keys, "VARCHAR"), path.name, raw_is_line=True,
                  sql_names=names, all_bad=all_bad)


def stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, key: str) -> Staged:
    """Read Parquet lazily (a view): its types are kept, rows are numbered in file order."""
    view = f"__raw_{key}"
    try:
        columns = _source_columns(con, f"read_parquet({lit(str(path))})")
        names = safe_names([c for c, _ in columns])
        if "file_row_number" in names:  # the file has a column of that name: number the rows as they are read
            con.execute(f"""
                CREATE TEMP TABLE {view} AS
                SELECT {_renamed(names)}, row_number() OVER () AS __n, row_number() OVER () AS __line,
                       NULL::VARCHAR AS __bad, NULL::VARCHAR AS __raw
                FROM read_parquet({lit(str(path))})
            """)
        else:
            con.execute(f"""
                CREATE TEMP VIEW {view} AS
                SELECT {_renamed(names)}, file_row_number + 1 AS __n, file_row_number + 1 AS __line,
                       NULL::VARCHAR AS __bad, NULL::VARCHAR AS __raw
                FROM read_parquet({lit(str(path))}, file_row_number = true)
            """)
        st = path.stat()
        staged = Staged(display_path(path), view, dict(columns), path.name, sql_names=names,
                        read_in_place=(path, st.st_size, st.st_mtime_ns))
    except duckdb.Error as exc:
        raise JourneymapError(f"cannot read {display_path(path)} as Parquet: {exc}") from exc
    return staged


def stage_file(con: duckdb.DuckDBPyConnection, path: Path, key: str, *, delimiter: str | None = None,
               header: bool | None = None, mapped: list[str] | None = None) -> Staged:
    """Stage any supported file; the format comes from the name or the content."""
    if not path.exists():
        raise JourneymapError(f"no such file: {display_path(path)}")
    if path.is_dir():
        raise JourneymapError(f"{display_path(path)} is a folder; give the event files themselves")
    if path.stat().st_size == 0:
        raise JourneymapError(f"{display_path(path)} is empty: no rows to ingest")
    fmt = detect_format(path)
    if fmt == "parquet":
        return stage_parquet(con, path, key)
    if fmt == "jsonl":
        return stage_jsonl(con, path, key)
    return stage_csv(con, path, key, delimiter=delimiter, header=header, mapped=mapped)
