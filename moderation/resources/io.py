"""Import and export of the crisis directory as CSV or JSON.

Export writes every resource (inactive ones too, so nothing is lost). Import is all-or-nothing: every row is
checked first, and one bad row rejects the whole file with each problem's line (CSV) or record number (JSON);
nothing changes. A row matches an existing resource by country, kind and name (case-insensitive): it updates
that one, otherwise it adds a new one. Resources not in the file are left alone. A file that would leave no
active international entry is refused too (a person in crisis never meets an empty directory).
"""
from __future__ import annotations

import csv
import io
import json
from datetime import date

from sqlalchemy import select

from community.errors import ServiceError
from community.extensions import db
from moderation import audit
from moderation.resources.models import Resource
from moderation.resources.services import (EDITABLE, InvalidResource, clean_resource, ensure_directory_not_empty,
                                           list_resources, snapshot)

COLUMNS = ("name", "kind", "country", "phone", "alt_phone", "sms", "sms_keyword", "url", "languages", "hours",
           "always_open", "audiences", "description", "active", "last_verified", "verified_by")
MAX_ROWS = 5000


class ImportRejected(ServiceError):
    """The file was refused: `errors` is [{"line", "field", "message"}], every problem found."""

    status = 422

    def __init__(self, errors: list[dict], label: str = "line"):
        self.errors = errors
        shown = "; ".join(f"{label} {e['line']}: {e['field']}: {e['message']}" if e.get("field")
                          else f"{label} {e['line']}: {e['message']}" for e in errors[:20])
        more = f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""
        super().__init__("import_rejected", f"Nothing was imported. {shown}{more}")


def export_rows() -> list[dict]:
    return [{c: snapshot(r).get(c) for c in COLUMNS} for r in list_resources()]


def export_json() -> str:
    return json.dumps({"resources": export_rows()}, indent=2, ensure_ascii=False) + "\n"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """A spreadsheet must never run a cell as a formula: text starting with = + - @ tab or CR gets a leading
    apostrophe (OWASP's advice), which spreadsheets show as text. Import strips it again."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _uncell(value):
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def export_csv() -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in export_rows():
        writer.writerow({k: _cell("true" if v is True else "false" if v is False else "" if v is None else v)
                         for k, v in row.items()})
    return out.getvalue()


def parse_csv(text: str) -> list[tuple[int, dict]]:
    """[(line number, row)] — line numbers as a spreadsheet shows them (the header is line 1)."""
    text = text.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "name" not in [f.strip() for f in reader.fieldnames]:
        raise ImportRejected([{"line": 1, "field": None,
                               "message": f"the first line must name the columns ({', '.join(COLUMNS)})"}])
    unknown = [f for f in reader.fieldnames if f and f.strip() not in COLUMNS]
    if unknown:
        raise ImportRejected([{"line": 1, "field": None, "message": f"unknown column(s): {', '.join(unknown)}"}])
    rows = []
    try:
        for row in reader:
            if None in row:
                raise ImportRejected([{"line": reader.line_num, "field": None, "message": "too many values"}])
            if not any((v or "").strip() for v in row.values()):
                continue  # blank line
            rows.append((reader.line_num, {k.strip(): _uncell(v) for k, v in row.items() if k}))
    except csv.Error as exc:
        raise ImportRejected([{"line": reader.line_num, "field": None, "message": f"not valid CSV: {exc}"}]) from None
    return rows


def parse_json(text: str) -> list[tuple[int, dict]]:
    """[(record number, object)] from {"resources": [...]} or a bare list; records count from 1."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ImportRejected([{"line": getattr(exc, "lineno", 1), "field": None,
                               "message": f"not valid JSON: {exc}"}]) from None
    if isinstance(data, dict):
        data = data.get("resources")
    if not isinstance(data, list):
        raise ImportRejected([{"line": 1, "field": None,
                               "message": 'expected {"resources": [...]} or a list of resources'}])
    rows = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise ImportRejected([{"line": number, "field": None, "message": "each resource must be an object"}],
                                 label="record")
        unknown = [k for k in item if k not in COLUMNS and k not in ("id", "numbers", "verified")]
        if unknown:
            raise ImportRejected([{"line": number, "field": None,
                                   "message": f"unknown field(s): {', '.join(unknown)}"}], label="record")
        rows.append((number, item))
    return rows


def _key(country, kind, name) -> tuple:
    return ((country or "").upper(), (kind or "").lower(), (name or "").strip().lower())


def import_rows(actor, rows: list[tuple[int, dict]], label: str = "line") -> dict:
    """Validate every row, then apply them all in one transaction, or raise ImportRejected and change nothing."""
    if len(rows) > MAX_ROWS:
        raise ImportRejected([{"line": 1, "field": None, "message": f"at most {MAX_ROWS} resources per file"}],
                             label)
    errors, cleaned, seen = [], [], {}
    for line, row in rows:
        try:
            fields = clean_resource(row)
        except InvalidResource as exc:
            errors.extend({"line": line, "field": f, "message": why} for f, why in exc.problems)
            continue
        verified = row.get("last_verified")
        if verified in (None, ""):
            fields["last_verified"] = None
        else:
            try:
                fields["last_verified"] = date.fromisoformat(str(verified).strip())
            except ValueError:
                errors.append({"line": line, "field": "last_verified",
                               "message": f"{verified!r} is not a date like 2026-01-31"})
                continue
        # A file cannot vouch for a number: who verified it and when are never taken from the file (a shared file
        # could otherwise show a changed hotline as freshly verified by a real admin). Rows the import changes are
        # marked unverified below; unchanged rows keep the verification they already had.
        fields.pop("last_verified", None)
        key = _key(fields["country"], fields["kind"], fields["name"])
        if key in seen:
            errors.append({"line": line, "field": "name",
                           "message": f"the same resource (country, kind, name) is also on {label} {seen[key]}"})
            continue
        seen[key] = line
        cleaned.append(fields)
    if errors:
        raise ImportRejected(errors, label)

    existing = {_key(r.country, r.kind, r.name): r for r in db.session.scalars(select(Resource))}
    created = updated = unchanged = 0
    changes = []
    for fields in cleaned:
        r = existing.get(_key(fields["country"], fields["kind"], fields["name"]))
        if r is None:
            r = Resource(**fields, last_verified=None, verified_by_id=None)
            db.session.add(r)
            db.session.flush()
            created += 1
            changes.append({"id": r.id, "before": None, "after": snapshot(r)})
            continue
        before = snapshot(r)
        for name, value in fields.items():
            setattr(r, name, value)
        db.session.flush()
        db.session.refresh(r)
        after = snapshot(r)
        if after != before:  # a changed contact is unverified until an admin checks it again
            r.last_verified, r.verified_by_id = None, None
            db.session.flush()
            db.session.refresh(r)
            after = snapshot(r)
        if after == before:
            unchanged += 1
        else:
            updated += 1
            changes.append({"id": r.id, "before": before, "after": after})
    summary = {"created": created, "updated": updated, "unchanged": unchanged}
    ensure_directory_not_empty()
    audit.record(actor, "resource.import", target="resources", before={"changed": [c["before"] for c in changes]},
                 after={**summary, "changed": [c["after"] for c in changes]})
    db.session.commit()
    return summary


def import_text(actor, text: str, fmt: str) -> dict:
    """`fmt` is "csv" or "json"."""
    if fmt == "json":
        return import_rows(actor, parse_json(text), label="record")
    if fmt == "csv":
        return import_rows(actor, parse_csv(text), label="line")
    raise ServiceError("unsupported_format", "Import a .csv or .json file.")


def guess_format(filename: str, text: str) -> str:
    name = (filename or "").lower()
    if name.endswith(".json"):
        return "json"
    if name.endswith(".csv"):
        return "csv"
    return "json" if text.lstrip("\ufeff \n\r\t")[:1] in "[{" else "csv"


__all__ = ["COLUMNS", "EDITABLE", "ImportRejected", "export_csv", "export_json", "import_rows", "import_text",
           "parse_csv", "parse_json", "guess_format"]
