"""Reading the street office's household roster (.xlsx or .csv) into checked rows, every problem
named by its row and column.

Rows are numbered as the spreadsheet shows them (the header is usually row 1), so the office
can find each problem in Excel. Parsing knows nothing of the database: whether a village or a
户号 exists is checked by `kiosk.core.register`.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.core.messages import text
from kiosk.core.models import Residency

# Header -> field. The first five are required; the rest may be left out of the file.
COLUMNS: dict[str, str] = {
    "村": "village",
    "组": "group",
    "户主": "head",
    "成员": "members",
    "户籍": "residency",
    "长期外出": "absent",
    "参与": "takes_part",
    "户号": "code",
}
REQUIRED = ("村", "组", "户主", "成员", "户籍")
# Columns offices commonly keep beside the roster; read past, never stored.
IGNORED = frozenset({"序号", "备注"})

RESIDENCY = {"本村": Residency.NATIVE, "非本村常住": Residency.RESIDENT}
YES_NO = {"是": True, "否": False}
MEMBER_SEPARATORS = "、，,"
MARKUP = frozenset("<>&\"'`=;{}[]\\/|")

MAX_BYTES = 50 * 1024 * 1024  # a 100,000-household roster is ~6 MB as CSV
MAX_ROWS = 200_000
MAX_PROBLEMS = 200  # a garbled file would otherwise bury the first, most telling ones
MAX_NAME = 30

SUFFIXES = (".xlsx", ".xlsm", ".csv")
FILE = 0  # the row number of a problem with the whole file (encoding, format)


@dataclass(frozen=True)
class RosterProblem:
    """One thing wrong with the roster: where (spreadsheet row, header) and what."""

    row: int
    column: str
    key: str
    params: dict[str, object] = field(default_factory=dict)

    def message(self, language: str = "zh") -> str:
        return text(self.key, language, **self.params)

    def as_json(self) -> dict[str, object]:
        return {
            "row": self.row,
            "column": self.column,
            "message": f"{self.message('zh')} / {self.message('en')}",
        }


@dataclass(frozen=True)
class RosterRow:
    """One household as the roster states it; None where an optional cell was left empty."""

    row: int
    village: str
    group: str
    head: str
    members: tuple[str, ...]  # the other members, head not repeated
    residency: Residency
    absent: bool | None
    takes_part: bool | None
    code: str | None


@dataclass
class ParsedRoster:
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[RosterProblem] = field(default_factory=list)
    columns: frozenset[str] = frozenset()  # the headers the file has
    width: int = 0  # cells in the header row

    def add(self, row: int, column: str, key: str, **params: object) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(RosterProblem(row, column, key, params))
        elif len(self.problems) == MAX_PROBLEMS:
            self.problems.append(RosterProblem(FILE, "", "roster.too_many_problems", {}))


# --- cells -----------------------------------------------------------------------------------


def clean(value: object) -> str:
    """A cell as text: numbers as Excel shows them, outer (also full-width) spaces gone."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip(" \t\r\n\u3000\ufeff")


def _unreadable(value: str) -> bool:
    # U+FFFD and control characters come from a file read in the wrong encoding.
    return any(ch == "\ufffd" or unicodedata.category(ch) in ("Cc", "Cs", "Co") for ch in value)


def _check_name(parsed: ParsedRoster, row: int, column: str, value: str) -> bool:
    if not value:
        parsed.add(row, column, "roster.empty")
        return False
    if _unreadable(value):
        parsed.add(row, column, "roster.unreadable", value=value[:MAX_NAME])
        return False
    if len(value) > MAX_NAME:
        parsed.add(row, column, "roster.too_long", value=value[:MAX_NAME], limit=MAX_NAME)
        return False
    if any(ch.isdigit() for ch in value):
        # A name with digits in it is almost always a shifted column.
        parsed.add(row, column, "roster.name_digits", value=value)
        return False
    if any(ch in MARKUP for ch in value):
        # No name holds these; a cell with them is pasted code or a formula, not a person.
        parsed.add(row, column, "roster.name_symbols", value=value)
        return False
    return True


def _normal_group(value: str) -> str:
    # Excel turns a typed "3" into a number: the office means 3组.
    return f"{value}组" if value.isdigit() else value


def split_members(value: str) -> list[str]:
    for separator in MEMBER_SEPARATORS[1:]:
        value = value.replace(separator, MEMBER_SEPARATORS[0])
    return [part.strip(" \u3000") for part in value.split(MEMBER_SEPARATORS[0])]


# --- rows --------------------------------------------------------------------------------------


def _header(parsed: ParsedRoster, row: int, cells: Sequence[str]) -> dict[str, int] | None:
    """Which cell holds which column, or None (with problems) if the header is unusable."""
    positions: dict[str, int] = {}
    joined = [cell for cell in cells if cell]
    if len(joined) == 1 and any(sep in joined[0] for sep in ";\t|"):
        # Saved with another separator: the whole header landed in one cell.
        parsed.add(row, joined[0][:MAX_NAME], "roster.separator")
        return None
    for index, name in enumerate(cells):
        if not name or name in IGNORED:
            continue
        if name not in COLUMNS:
            parsed.add(row, name[:MAX_NAME], "roster.unknown_column", name=name[:MAX_NAME])
            continue
        if name in positions:
            parsed.add(row, name, "roster.repeated_column", name=name)
            continue
        positions[name] = index
    for name in REQUIRED:
        if name not in positions:
            parsed.add(row, name, "roster.missing_column", name=name)
    if parsed.problems:
        return None
    parsed.columns = frozenset(positions)
    parsed.width = len(cells)
    return positions


def _row(parsed: ParsedRoster, row: int, cells: Sequence[str], positions: dict[str, int]) -> None:
    def cell(name: str) -> str:
        index = positions.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    before = len(parsed.problems)
    if any(cells[parsed.width :]):
        # Cells right of the header: a shifted row, or a separator inside a name.
        parsed.add(row, "", "roster.extra_cells", width=parsed.width)
    village = cell("村")
    if not village:
        parsed.add(row, "村", "roster.empty_village")
    elif _unreadable(village) or len(village) > MAX_NAME:
        parsed.add(row, "村", "roster.unreadable", value=village[:MAX_NAME])
    group = _normal_group(cell("组"))
    if not group:
        parsed.add(row, "组", "roster.empty")
    elif _unreadable(group) or len(group) > MAX_NAME:
        parsed.add(row, "组", "roster.unreadable", value=group[:MAX_NAME])
    head = cell("户主")
    _check_name(parsed, row, "户主", head)
    members: list[str] = []
    raw_members = cell("成员")
    if raw_members:
        for name in split_members(raw_members):
            if not name:
                parsed.add(row, "成员", "roster.member_empty", value=raw_members[:60])
                break
            if not _check_name(parsed, row, "成员", name):
                break
            if name != head and name not in members:
                members.append(name)
    residency_text = cell("户籍")
    residency = RESIDENCY.get(residency_text)
    if residency is None:
        parsed.add(row, "户籍", "roster.residency", value=residency_text[:MAX_NAME])
    flags: dict[str, bool | None] = {}
    for name in ("长期外出", "参与"):
        value = cell(name)
        flags[name] = YES_NO.get(value) if value else None
        if value and value not in YES_NO:
            parsed.add(row, name, "roster.yes_no", value=value[:MAX_NAME])
    code = cell("户号").upper() or None
    if code is not None and (not code.isascii() or not code.isalnum() or len(code) > 12):
        parsed.add(row, "户号", "roster.code_format", value=code[:MAX_NAME])
    if len(parsed.problems) > before or residency is None:
        return
    parsed.rows.append(
        RosterRow(
            row=row,
            village=village,
            group=group,
            head=head,
            members=tuple(members),
            residency=residency,
            absent=flags["长期外出"],
            takes_part=flags["参与"],
            code=code,
        )
    )


def parse_rows(records: Iterable[tuple[int, Sequence[str]]]) -> ParsedRoster:
    """Check cleaned rows (spreadsheet row number, cells): the first non-blank is the header."""
    parsed = ParsedRoster()
    positions: dict[str, int] | None = None
    count = 0
    for row, cells in records:
        if not any(cells):
            continue  # blank lines between blocks of a village are harmless
        if positions is None:
            positions = _header(parsed, row, cells)
            if positions is None:
                return parsed  # without the columns no row can be read
            continue
        count += 1
        if count > MAX_ROWS:
            parsed.add(row, "", "roster.too_many_rows", limit=MAX_ROWS)
            return parsed
        _row(parsed, row, cells, positions)
    if positions is None:
        parsed.add(FILE, "", "roster.no_header")
    elif count == 0:
        parsed.add(FILE, "", "roster.no_rows")
    return parsed


# --- files ---------------------------------------------------------------------------------------


def _decode(data: bytes) -> str | None:
    if data.startswith(b"\xef\xbb\xbf"):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    else:
        # Chinese Excel's "CSV" is GB18030 (GBK); "CSV UTF-8" has a BOM; other tools none.
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _csv_records(parsed: ParsedRoster, content: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        for cells in reader:
            yield reader.line_num, [clean(cell) for cell in cells]
    except csv.Error as error:
        parsed.add(reader.line_num + 1, "", "roster.csv_broken", error=str(error)[:80])


def parse_csv(data: bytes) -> ParsedRoster:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _file_problem("roster.utf16")
    if b"\x00" in data:
        return _file_problem("roster.encoding")
    content = _decode(data)
    if content is None:
        return _file_problem("roster.encoding")
    holder = ParsedRoster()
    records = list(_csv_records(holder, content))
    if holder.problems:
        return holder
    return parse_rows(records)


def parse_xlsx(data: bytes) -> ParsedRoster:
    from openpyxl import load_workbook

    holder = ParsedRoster()
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged or foreign file
        return _file_problem("roster.xlsx_unreadable")
    try:
        sheet = workbook.worksheets[0]
        records = [
            (number, [clean(value) for value in values])
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    except Exception:
        return _file_problem("roster.xlsx_unreadable")
    finally:
        workbook.close()
    if holder.problems:
        return holder
    return parse_rows(records)


def _file_problem(key: str, **params: object) -> ParsedRoster:
    parsed = ParsedRoster()
    parsed.add(FILE, "", key, **params)
    return parsed


def parse_roster(path: Path) -> ParsedRoster:
    """The roster at `path` (.xlsx or .csv), checked row by row."""
    if path.suffix.lower() not in SUFFIXES:
        return _file_problem("roster.file_type", name=path.name)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return _file_problem("roster.too_big", limit_mb=MAX_BYTES // (1024 * 1024))
        data = path.read_bytes()
    except OSError:
        return _file_problem("roster.unreadable_file", name=path.name)
    return parse_roster_data(data, path.name)


def parse_roster_data(data: bytes, name: str) -> ParsedRoster:
    """A roster's bytes as uploaded (its file name says .xlsx or .csv), checked row by row."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        return _file_problem("roster.file_type", name=name[:MAX_NAME])
    if len(data) > MAX_BYTES:
        return _file_problem("roster.too_big", limit_mb=MAX_BYTES // (1024 * 1024))
    if suffix == ".csv":
        if data.startswith(b"PK\x03\x04"):
            return _file_problem("roster.xlsx_as_csv", name=name[:MAX_NAME])
        return parse_csv(data)
    return parse_xlsx(data)
