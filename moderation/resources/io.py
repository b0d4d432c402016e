"""Import and export of the crisis directory as CSV or JSON.

Export writes every resource (inactive ones too, so nothing is lost). Import is all-or-nothing: every row is
checked first, and one bad row rejects the whole file with each problem's line (CSV) or record number (JSON);
nothing changes. A row matches an existing resource by country, kind and name (case-insensitive): it updates
that one, otherwise it adds a new one. Resources not in the file are left alone. A file that would leave no
active international entry is refused too (a person in crisis never meets an empty directory).

People import in two steps: `preview_text` says what the file would add and change, field by field (changed
numbers first of all), without writing; `confirm_import` applies exactly that plan, given the signed token the
preview handed out, and refuses if the file or the directory changed in between.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from dataclasses import dataclass
from datetime import date

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
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


def _clean_rows(rows: list[tuple[int, dict]], label: str) -> list[tuple[int, dict]]:
    """Every row checked and normalised: [(line, fields)], or ImportRejected listing every problem."""
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
        if verified not in (None, ""):
            try:
                date.fromisoformat(str(verified).strip())
            except ValueError:
                errors.append({"line": line, "field": "last_verified",
                               "message": f"{verified!r} is not a date like 2026-01-31"})
                continue
        # A file cannot vouch for a number: who verified it and when are never taken from the file (a shared file
        # could otherwise show a changed hotline as freshly verified by a real admin). Rows the import adds or
        # changes are unverified until an admin verifies them; unchanged rows keep the verification they had.
        fields = {name: fields[name] for name in EDITABLE}
        key = _key(fields["country"], fields["kind"], fields["name"])
        if key in seen:
            errors.append({"line": line, "field": "name",
                           "message": f"the same resource (country, kind, name) is also on {label} {seen[key]}"})
            continue
        seen[key] = line
        cleaned.append((line, fields))
    if errors:
        raise ImportRejected(errors, label)
    return cleaned


CONTACT_FIELDS = ("phone", "alt_phone", "sms", "sms_keyword", "url")
PREVIEW_MAX_AGE = 3600  # seconds a preview can be confirmed for
_TOKEN_SALT = "haven.resource-import.v1"


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def one_line_ending(text: str) -> str:
    """The file with every line ending as \\n: a browser sends the previewed file back with CRLF line ends, and it
    must still be the same file."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def file_digest(text: str) -> str:
    return hashlib.sha256(one_line_ending(text).encode("utf-8")).hexdigest()


def directory_digest(resources: list[Resource] | None = None) -> str:
    """A digest of the whole directory as it stands (every field, verification included): a preview is only
    confirmed while it is unchanged."""
    resources = list(db.session.scalars(select(Resource))) if resources is None else resources
    return _digest(sorted([r.id, snapshot(r)] for r in resources))


@dataclass
class ImportPlan:
    """What an import would do, row by row, computed without writing anything.

    `entries` are {"action": "add" | "change" | "unchanged", "line", "id", "name", "country", "kind", "changes":
    [{"field", "before", "after", "contact"}], "fields": the row's values, "deactivates", "reactivates",
    "loses_verification"}; `kept` lists the resources the file does not name (an import never removes or changes
    them)."""

    fmt: str
    label: str
    file_digest: str
    directory_digest: str
    entries: list[dict]
    kept: list[dict]

    @property
    def summary(self) -> dict:
        count = Counter(e["action"] for e in self.entries)
        return {"created": count["add"], "updated": count["change"], "unchanged": count["unchanged"]}

    @property
    def digest(self) -> str:
        return _digest(self.entries)

    @property
    def contact_changes(self) -> int:
        return sum(1 for e in self.entries if e["action"] == "change" and any(c["contact"] for c in e["changes"]))

    def to_dict(self) -> dict:
        return {"format": self.fmt, "file_sha256": self.file_digest, "directory_sha256": self.directory_digest,
                "summary": self.summary, "contact_changes": self.contact_changes, "entries": self.entries,
                "kept": self.kept}


def _plan(cleaned: list[tuple[int, dict]], resources: list[Resource], *, fmt: str, label: str,
          digest_of_file: str) -> ImportPlan:
    existing = {_key(r.country, r.kind, r.name): r for r in resources}
    entries, named = [], set()
    for line, fields in cleaned:
        r = existing.get(_key(fields["country"], fields["kind"], fields["name"]))
        base = {"line": line, "name": fields["name"], "country": fields["country"], "kind": fields["kind"],
                "fields": fields}
        if r is None:
            entries.append({**base, "action": "add", "id": None, "changes": [], "deactivates": False,
                            "reactivates": False, "loses_verification": False})
            continue
        named.add(r.id)
        changes = [{"field": f, "before": getattr(r, f), "after": fields[f], "contact": f in CONTACT_FIELDS}
                   for f in EDITABLE if getattr(r, f) != fields[f]]
        entries.append({**base, "action": "change" if changes else "unchanged", "id": r.id, "changes": changes,
                        "deactivates": r.active and not fields["active"],
                        "reactivates": not r.active and fields["active"],
                        "loses_verification": bool(changes) and r.last_verified is not None})
    kept = [{"id": r.id, "name": r.name, "country": r.country, "kind": r.kind, "active": r.active}
            for r in sorted(resources, key=lambda r: (r.country, r.kind, r.name.lower(), r.id)) if r.id not in named]
    # A person in crisis never meets an empty directory: the directory after the import keeps an active
    # international entry.
    after = [e["fields"] for e in entries] + [{"country": k["country"], "kind": k["kind"], "active": k["active"]}
                                             for k in kept]
    if not any(f["country"] == "*" and f["kind"] != "emergency" and f["active"] for f in after):
        raise ServiceError("last_international", "At least one international resource must stay active: it is "
                           "what people without a region see. Add or reactivate another one first.", status=409)
    return ImportPlan(fmt=fmt, label=label, file_digest=digest_of_file,
                      directory_digest=directory_digest(resources), entries=entries, kept=kept)


def _parse(text: str, fmt: str) -> tuple[list[tuple[int, dict]], str]:
    if fmt == "json":
        return parse_json(text), "record"
    if fmt == "csv":
        return parse_csv(text), "line"
    raise ServiceError("unsupported_format", "Import a .csv or .json file.")


def preview_text(text: str, fmt: str) -> ImportPlan:
    """What importing this file would change, without changing anything (ImportRejected if any row is bad)."""
    text = one_line_ending(text)
    rows, label = _parse(text, fmt)
    cleaned = _clean_rows(rows, label)
    return _plan(cleaned, list(db.session.scalars(select(Resource))), fmt=fmt, label=label,
                 digest_of_file=file_digest(text))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_TOKEN_SALT)


def preview_token(actor, plan: ImportPlan) -> str:
    """Signed: who previewed, the file, the directory it was compared with and the plan shown."""
    return _serializer().dumps({"actor": actor.id, "file": plan.file_digest, "directory": plan.directory_digest,
                                "plan": plan.digest, "format": plan.fmt})


class PreviewInvalid(ServiceError):
    status = 400

    def __init__(self, message: str):
        super().__init__("import_preview_invalid", message)


class DirectoryChanged(ServiceError):
    """The directory changed between the preview and the confirmation: nothing was applied; `plan` is what the
    same file would do now (show it again)."""

    status = 409

    def __init__(self, plan: ImportPlan):
        self.plan = plan
        super().__init__("directory_changed", "The crisis directory changed since this preview, so nothing was "
                         "imported. Check the new preview below and confirm again.")


def _apply(actor, plan: ImportPlan, resources: list[Resource]) -> dict:
    by_id = {r.id: r for r in resources}
    before_list, after_list = [], []
    for entry in plan.entries:
        if entry["action"] == "add":
            r = Resource(**entry["fields"], last_verified=None, verified_by_id=None)
            db.session.add(r)
            db.session.flush()
            before_list.append(None)
            after_list.append(snapshot(r))
        elif entry["action"] == "change":
            r = by_id[entry["id"]]
            before_list.append(snapshot(r))
            for change in entry["changes"]:
                setattr(r, change["field"], change["after"])
            r.last_verified, r.verified_by_id = None, None  # a changed contact is unverified until an admin checks it
            db.session.flush()
            db.session.refresh(r)
            after_list.append(snapshot(r))
    summary = plan.summary
    ensure_directory_not_empty()
    audit.record(actor, "resource.import", target="resources", before={"changed": before_list},
                 after={**summary, "changed": after_list, "file_sha256": plan.file_digest})
    db.session.commit()
    return summary


def confirm_import(actor, text: str, token: str) -> dict:
    """Apply exactly the previewed import: the token must be this admin's, for this very file, and the directory
    must be as it was when the preview was made; otherwise nothing changes (PreviewInvalid, or DirectoryChanged
    with the new plan)."""
    try:
        claims = _serializer().loads(token or "", max_age=PREVIEW_MAX_AGE)
    except SignatureExpired:
        raise PreviewInvalid("This preview is more than an hour old: upload the file again.") from None
    except BadSignature:
        raise PreviewInvalid("This preview could not be checked: upload the file again.") from None
    if claims.get("actor") != actor.id:
        raise PreviewInvalid("This preview was made by someone else: upload the file yourself.")
    if claims.get("file") != file_digest(text):
        raise PreviewInvalid("The file is not the one previewed: upload it again.")
    text = one_line_ending(text)
    rows, label = _parse(text, claims.get("format"))
    cleaned = _clean_rows(rows, label)
    # Lock the directory (PostgreSQL) so nobody changes it between this check and the commit.
    resources = list(db.session.scalars(select(Resource).with_for_update()))
    plan = _plan(cleaned, resources, fmt=claims["format"], label=label, digest_of_file=claims["file"])
    if plan.directory_digest != claims.get("directory") or plan.digest != claims.get("plan"):
        db.session.rollback()
        raise DirectoryChanged(preview_text(text, claims["format"]))
    return _apply(actor, plan, resources)


def import_rows(actor, rows: list[tuple[int, dict]], label: str = "line") -> dict:
    """Validate every row, then apply them all in one transaction, or raise ImportRejected and change nothing.
    (No preview: for code and tests; people import through the console's preview and confirmation.)"""
    cleaned = _clean_rows(rows, label)
    resources = list(db.session.scalars(select(Resource).with_for_update()))
    plan = _plan(cleaned, resources, fmt="rows", label=label, digest_of_file="")
    return _apply(actor, plan, resources)


def import_text(actor, text: str, fmt: str) -> dict:
    """`fmt` is "csv" or "json"."""
    rows, label = _parse(text, fmt)
    return import_rows(actor, rows, label=label)


def guess_format(filename: str, text: str) -> str:
    name = (filename or "").lower()
    if name.endswith(".json"):
        return "json"
    if name.endswith(".csv"):
        return "csv"
    return "json" if text.lstrip("\ufeff \n\r\t")[:1] in "[{" else "csv"


__all__ = ["COLUMNS", "CONTACT_FIELDS", "DirectoryChanged", "EDITABLE", "ImportPlan", "ImportRejected",
           "PreviewInvalid", "confirm_import", "directory_digest", "export_csv", "export_json", "file_digest",
           "guess_format", "import_rows", "import_text", "one_line_ending", "parse_csv", "parse_json", "preview_text",
           "preview_token"]
