"""CSV files read so that no record is lost: counted apart from the parser, unclosed quotes contained.

DuckDB's CSV parser is fast and strict, but it counts what it parsed, not what the file holds. A quote
that is opened and never closed makes the rest of the file one field: the parser reports one bad row
and every record after it is gone. And its line numbers count records, so after a blank line or a
quoted line break they no longer point at the line an editor shows.

Here the parser reads the file in *parts*. When a record's quote never closes, that record's first
line is quarantined ("a quote opened here is never closed") and the lines after it are read again
as a part of their own, so only the broken record is lost to the store, and it is in the quarantine.
Each part's records are then counted independently of the parser: a count of physical lines (one
pass at the speed of ``bytes.count``), and where that does not match what the parser returned
(blank lines, line breaks in quoted fields), a scan of the record boundaries (quote parity, the way
RFC 4180 defines a record). That scan gives every row and every rejected line its physical line, and
a parser that returned fewer rows than the file has records is an error, never a silent loss.
"""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import duckdb
import pyarrow as pa

from journeymap.errors import JourneymapError
from journeymap.events.sql import ident, lit
from journeymap.i18n import t
from journeymap.model.workspace import display_path

_CHUNK = 1 << 22
#: DuckDB's error types → our reasons (anything else is a malformed row).
REJECT_REASONS = {"INVALID ENCODING": "invalid UTF-8", "INVALID UNICODE": "invalid UTF-8"}
MALFORMED = t("reasons.malformed", "en")
UNCLOSED = t("reasons.unclosed", "en")
#: DuckDB keeps at most this many characters of a rejected line; such lines are read again from the file.
_CUT = 10_000
#: The longest line the parser reads (bytes); a longer one is quarantined, whole.
MAX_LINE = 64 << 20


def _open(path: Path) -> BinaryIO:
    with path.open("rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else path.open("rb")  # type: ignore[return-value]


def _chunks(path: Path) -> Iterator[bytes]:
    try:
        with _open(path) as fh:
            while chunk := fh.read(_CHUNK):
                yield chunk
    except (OSError, EOFError) as exc:  # a truncated gzip, a disk error
        raise JourneymapError(f"cannot read {display_path(path)}: {exc}; is the file complete?") from exc


def physical_lines(path: Path) -> int:
    """The number of lines in the file (a last line without a newline counts)."""
    n, last = 0, b"\n"
    for chunk in _chunks(path):
        n += chunk.count(b"\n")
        last = chunk[-1:]
    return n + (last != b"\n")


def mixed_line_ends(path: Path) -> bool:
    """Whether the file ends some lines with CRLF and others with a bare LF (one pass at ``bytes.count`` speed)."""
    lf = crlf = 0
    last = b""
    for chunk in _chunks(path):
        lf += chunk.count(b"\n")
        crlf += chunk.count(b"\r\n") + (last == b"\r" and chunk[:1] == b"\n")
        last = chunk[-1:]
    return 0 < crlf < lf


def record_items(path: Path, quote: bytes = b'"') -> list[tuple[int, bool]]:
    """(physical start line, blank) of every record and every blank line, in file order.

    A record ends at a line end outside quotes: the count of quote characters from its start is even
    (an escaped quote ``""`` adds two). This is how DuckDB numbers what it reads: each item is one of
    its "lines", so a rejected line's number indexes this list.
    """
    items: list[tuple[int, bool]] = []
    line, open_quotes, start = 0, False, 0
    pending = b""
    for chunk in _chunks(path):
        data = pending + chunk
        lines = data.split(b"\n")
        pending = lines.pop()
        for text in lines:
            line += 1
            if not open_quotes:
                start = line
                if text in (b"", b"\r"):
                    items.append((line, True))
                    continue
            if text.count(quote) % 2:
                open_quotes = not open_quotes
            if not open_quotes:
                items.append((start, False))
    if pending:
        line += 1
        items.append((start if open_quotes else line, False))
    elif open_quotes:
        items.append((start, False))
    return items


def copy_after(path: Path, line: int, target: Path) -> None:
    """Write the (decompressed) lines of ``path`` after line ``line`` to ``target``."""
    with _open(path) as src, target.open("wb") as out:
        left = line
        pending = b""
        while left > 0:
            chunk = src.read(_CHUNK)
            if not chunk:
                return
            data = pending + chunk
            pos = 0
            while left > 0:
                cut = data.find(b"\n", pos)
                if cut < 0:
                    break
                pos, left = cut + 1, left - 1
            pending = data[pos:]
        out.write(pending)
        shutil.copyfileobj(src, out, _CHUNK)


def lines_text(path: Path, wanted: set[int]) -> dict[int, str]:
    """The text of the physical lines ``wanted`` (numbers from 1), whole, undecodable bytes as ``\\xNN``."""
    out: dict[int, str] = {}
    if not wanted:
        return out
    last = max(wanted)
    with _open(path) as fh:
        for n, raw in enumerate(fh, start=1):
            if n in wanted:
                out[n] = raw.rstrip(b"\r\n").decode("utf-8", errors="backslashreplace")
            if n >= last:
                break
    return out


def read_parts(con: duckdb.DuckDBPyConnection, path: Path, table: str, rejects: str, columns: list[str], *,
               delim: str, header: bool, key: str, workdir: Path) -> list[str]:
    """Read the CSV ``path`` into ``table`` (its columns ``columns``, then ``__n``, ``__line``, ``__bad``,
    ``__raw``) and its unusable lines into ``rejects`` (line, reason, raw); returns notes for the user."""
    notes: list[str] = []
    part, first_line, skip_header, n_base = path, 1, header, 0
    for i in range(1_000_000):
        resume = _read_part(con, part, table, rejects, columns, delim=delim, header=skip_header, key=f"{key}_{i}",
                            first_line=first_line, n_base=n_base, workdir=workdir, notes=notes, original=path)
        if resume is None:
            break
        nxt = workdir / f"{key}_part{i + 1}.csv"
        copy_after(part, resume, nxt)
        first_line += resume
        part, skip_header = nxt, False
        n_base = int(con.execute(f"SELECT coalesce(max(__n), 0) FROM {table}").fetchall()[0][0])
    return notes


def _scan(con: duckdb.DuckDBPyConnection, part: Path, columns: list[str], delim: str, header: bool,
          rt: str, rs: str) -> str:
    spec = "{" + ", ".join(f"{lit(c)}: 'VARCHAR'" for c in columns) + "}"
    return (f"read_csv({lit(str(part))}, columns = {spec}, auto_detect = false, header = {str(header).lower()}, "
            f"delim = {lit(delim)}, quote = '\"', escape = '\"', compression = 'auto', "
            f"max_line_size = {MAX_LINE}, buffer_size = {MAX_LINE}, "
            f"store_rejects = true, rejects_table = {lit(rt)}, rejects_scan = {lit(rs)})")


def _read_part(con: duckdb.DuckDBPyConnection, part: Path, table: str, rejects: str, columns: list[str], *,
               delim: str, header: bool, key: str, first_line: int, n_base: int, workdir: Path,
               notes: list[str], original: Path) -> int | None:
    """One part into ``table``/``rejects``; returns the offset to go on reading from after an unclosed quote."""
    rt, rs = f"__rejtab_{key}", f"__rejscan_{key}"
    cols = ", ".join(ident(c) for c in columns)
    insert = (f"INSERT INTO {table} SELECT {cols}, {n_base} + row_number() OVER (), NULL, NULL, NULL "
              f"FROM {{scan}}")
    try:
        if mixed_line_ends(part):
            # CRLF and LF in one file: DuckDB's parser takes the line end of the first line for all, and then stops
            # or takes a quoted field before a bare LF for a quote that never closes. Read a copy with LF only.
            lf = workdir / f"{key}_lf.csv"
            with lf.open("wb") as out:
                pending = b""
                for chunk in _chunks(part):
                    data = pending + chunk
                    pending = data[-1:] if data.endswith(b"\r") else b""
                    out.write((data[:-1] if pending else data).replace(b"\r\n", b"\n"))
                out.write(pending)
            if "mixed line ends (CRLF and LF): read as LF" not in notes:
                notes.append("mixed line ends (CRLF and LF): read as LF")
            part = lf
        con.execute(insert.format(scan=_scan(con, part, columns, delim, header, rt, rs)))
    except duckdb.Error as exc:
        if "gzip" in str(exc).lower():
            raise JourneymapError(f"cannot read {display_path(original)}: its gzip stream ends early or is damaged; "
                                  "is the file complete? Download or copy it again") from exc
        first = str(exc).strip().splitlines()[0][:300]
        raise JourneymapError(f"cannot read {display_path(original)} as CSV (delimiter {delim!r}): {first}") from exc
    rej = con.execute(f"""
        SELECT line, bool_or(error_type = 'UNQUOTED VALUE'), first(error_type ORDER BY column_idx), first(csv_line),
               first(error_message ORDER BY column_idx)
        FROM {rt} GROUP BY line ORDER BY line""").fetchall()
    con.execute(f"DROP TABLE IF EXISTS {rt}; DROP TABLE IF EXISTS {rs}")
    resume: int | None = None  # the part's line after which reading goes on
    stop: int | None = None  # the parser's number of the record that never closed
    items: list[tuple[int, bool]] | None = None
    bad: list[tuple[int, str, str, str]] = []  # (parser line, reason, text, error)
    for line, unquoted, etype, text, error in rej:
        body = (text or "").lstrip("\r\n")
        # (a line may have other errors too, such as invalid UTF-8 before the quote)
        if unquoted and "\n" in body.rstrip("\r\n"):
            # The quote never closes: the parser took the rest of the part for this one record. Quarantine its
            # first line; the lines after it are read again, as a part of their own.
            items = record_items(part)
            stop = int(line)
            resume = items[stop - 1][0]
            first_text = lines_text(part, {resume})[resume]
            bad.append((int(line), MALFORMED, first_text, UNCLOSED))
            break  # nothing after it was parsed
        bad.append((int(line), REJECT_REASONS.get(str(etype), MALFORMED), body.rstrip("\r\n"), str(error or "")))
    head = 1 if header else 0
    if stop is not None and items is not None:
        # The parser may pick up again after the broken record (where another stray quote closes it); those rows
        # are read again with the next part, so only the records before the broken one are kept from this one.
        rejected_before = {ln - 1 for ln, *_ in bad}
        keep = sum(1 for k, (_, blank) in enumerate(items[head:stop - 1], start=head)
                   if not blank and k not in rejected_before)
        con.execute(f"DELETE FROM {table} WHERE __n > {n_base + keep}")
    parsed = int(con.execute(f"SELECT count(*) FROM {table} WHERE __n > {n_base}").fetchall()[0][0])
    if items is None and physical_lines(part) == head + parsed + len(bad):
        # One line a record, no blank lines: the parser's numbers are physical lines.
        phys_of = {ln: ln for ln, *_ in bad}
        _number_rows(con, table, n_base, first_line, head, [ln for ln, *_ in bad])
    else:
        items = items if items is not None else record_items(part)
        phys_of = {ln: items[ln - 1][0] if ln - 1 < len(items) else ln for ln, *_ in bad}
        rejected = {ln - 1 for ln, *_ in bad}
        upto = len(items) if stop is None else stop - 1
        good = [phys for k, (phys, blank) in enumerate(items[head:upto], start=head)
                if not blank and k not in rejected]
        if len(good) != parsed:
            raise JourneymapError(
                f"cannot read {display_path(original)} as CSV: {len(good)} records from line {first_line} on, "
                f"but the parser returned {parsed}; check its quotes and delimiter ({delim!r})")
        _set_lines(con, table, n_base, [first_line - 1 + p for p in good])
    # Rejected lines: whole (DuckDB cuts them), undecodable bytes kept as \xNN.
    again = {phys_of[ln] for ln, reason, text, _ in bad if len(text) >= _CUT or reason == "invalid UTF-8"}
    whole = lines_text(part, again)
    rows = [(first_line - 1 + phys_of[ln], reason, whole.get(phys_of[ln], text), error)
            for ln, reason, text, error in bad]
    if rows:
        arrow = pa.table({"line": pa.array([r[0] for r in rows], pa.int64()), "reason": [r[1] for r in rows],
                          "line_text": [r[2] for r in rows], "error": [r[3] for r in rows]})
        con.register("__rej_arrow", arrow)
        con.execute(f"INSERT INTO {rejects} SELECT line, reason, "
                    "to_json(struct_pack(line_text := line_text, error := error))::VARCHAR FROM __rej_arrow")
        con.unregister("__rej_arrow")
    return resume


def _number_rows(con: duckdb.DuckDBPyConnection, table: str, n_base: int, first_line: int, head: int,
                 rejected: list[int]) -> None:
    """Good row k of the part sits on line head + k plus the rejected lines before it (one line a record)."""
    con.execute(f"UPDATE {table} SET __line = __n - {n_base} + {first_line - 1 + head} WHERE __n > {n_base}")
    if not rejected:
        return
    rej = sorted(rejected)
    # Good row k (1-based) follows j rejected lines when rejected line j comes before it: line - j <= head + k.
    gaps = pa.table({"g": pa.array([ln - head - j for j, ln in enumerate(rej, start=1)], pa.int64()),
                     "j": pa.array(range(1, len(rej) + 1), pa.int64())})
    con.register("__gaps", gaps)
    con.execute(f"""
        UPDATE {table} SET __line = {table}.__line + s.j
        FROM (SELECT n.__n, max(g.j) AS j FROM {table} n JOIN __gaps g ON g.g <= n.__n - {n_base} - 1
              WHERE n.__n > {n_base} GROUP BY n.__n) s
        WHERE s.__n = {table}.__n""")
    con.unregister("__gaps")


def _set_lines(con: duckdb.DuckDBPyConnection, table: str, n_base: int, lines: list[int]) -> None:
    """Row k of the part (``__n = n_base + k``) is on physical line ``lines[k - 1]``."""
    arrow = pa.table({"n": pa.array(range(n_base + 1, n_base + len(lines) + 1), pa.int64()),
                      "line": pa.array(lines, pa.int64())})
    con.register("__lines_arrow", arrow)
    con.execute(f"UPDATE {table} SET __line = l.line FROM __lines_arrow l WHERE {table}.__n = l.n")
    con.unregister("__lines_arrow")
