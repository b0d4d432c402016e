"""Import is all-or-nothing with line-numbered reasons; export -> import into a fresh database gives the same
directory, in CSV and in JSON; the console's import page shows the problems and changes nothing."""
import csv
import html
import io
import json
import re

import pytest

from community.extensions import db
from moderation.models import AuditEntry
from moderation.resources.io import (COLUMNS, ImportRejected, export_csv, export_json, import_text, parse_csv)
from moderation.resources.models import Resource
from moderation.resources.services import create_resource, snapshot, update_resource, verify_resource
from tests.conftest import login

HEADER = ",".join(COLUMNS)


def _directory(verification: bool = True) -> list[dict]:
    rows = [snapshot(r) for r in Resource.query.all()]
    for row in rows:
        row.pop("verified_by")
        if not verification:
            row.pop("last_verified")
    return sorted(rows, key=lambda r: (r["country"], r["kind"], r["name"]))


def _csv(*lines):
    return "\n".join([HEADER, *lines]) + "\n"


GOOD = "Night Line,phone,GB,0800 123 456,,,,,en,evenings,false,everyone,A good line,true,,"


def test_one_bad_row_rejects_the_whole_csv_with_line_numbers(any_app, make_member):
    admin = make_member(role="admin")
    before = _directory()
    text = _csv(GOOD,
                "Nowhere Line,phone,XX,0800 1,,,,,en,,false,everyone,,true,,",      # line 3: unknown country
                "Letters Line,phone,GB,call-me-now,,,,,en,,false,everyone,,true,,",  # line 4: bad phone
                ",phone,GB,0800 2,,,,,en,,false,everyone,,true,,",                   # line 5: missing name
                "Odd Line,pigeon,GB,0800 3,,,,,en,,false,everyone,,true,,")          # line 6: unknown kind
    with pytest.raises(ImportRejected) as caught:
        import_text(admin, text, "csv")
    by_line = {(e["line"], e["field"]) for e in caught.value.errors}
    assert by_line == {(3, "country"), (4, "phone"), (5, "name"), (6, "kind")}
    assert "line 3" in caught.value.message and "XX" in caught.value.message
    db.session.rollback()
    assert _directory() == before
    assert Resource.query.filter_by(name="Night Line").count() == 0
    assert AuditEntry.query.filter_by(action="resource.import").count() == 0


def test_one_bad_record_rejects_the_whole_json(app, make_member):
    admin = make_member(role="admin")
    before = _directory()
    records = [{"name": "Fine", "kind": "phone", "country": "US", "phone": "+1 (800) 555-0100"},
               {"name": "Bad", "kind": "phone", "country": "US", "phone": "555 0100 ext. 4"}]
    with pytest.raises(ImportRejected) as caught:
        import_text(admin, json.dumps({"resources": records}), "json")
    assert [(e["line"], e["field"]) for e in caught.value.errors] == [(2, "phone")]
    assert "record 2" in caught.value.message
    db.session.rollback()
    assert _directory() == before


def test_good_import_adds_and_updates_and_is_audited(any_app, make_member):
    admin = make_member(role="admin")
    count = Resource.query.count()
    text = _csv(GOOD, "Samaritans,phone,GB,116 123,,,,https://www.samaritans.org,en,24/7,true,everyone,"
                      "Changed words,true,,")
    summary = import_text(admin, text, "csv")
    assert summary == {"created": 1, "updated": 1, "unchanged": 0}
    assert Resource.query.count() == count + 1
    assert Resource.query.filter_by(country="GB", name="Samaritans").one().description == "Changed words"
    entry = AuditEntry.query.filter_by(action="resource.import").one()
    assert entry.actor_id == admin.id and entry.after["created"] == 1


def _customise(admin):
    """A directory that differs from the seed: a new service, an edit, a deactivation, a verification."""
    create_resource(admin, {"name": "Local Warmline", "kind": "phone", "country": "GB", "phone": "(020) 7946-0000",
                            "languages": "en,cy", "audiences": "everyone,lgbtq+", "always_open": False,
                            "hours": "Mon-Fri 6pm-11pm", "description": "Peer support, \"quotes\", commas, é."})
    Resource.query.filter_by(country="US", name="Crisis Text Line").one().active = False
    db.session.commit()
    verify_resource(admin, Resource.query.filter_by(country="AU", kind="phone").one())


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_round_trip_into_a_fresh_database_gives_the_same_directory(app_factory, make_member, tmp_path, fmt):
    first = app_factory()
    with first.app_context():
        admin = make_member(role="admin")
        _customise(admin)
        exported = export_csv() if fmt == "csv" else export_json()
        expected = _directory(verification=False)  # a file never carries verification over (it cannot vouch)
        db.session.remove()
    # A second, fresh database straight from the migrations.
    fresh_path = tmp_path / "fresh.sqlite3"
    second = app_factory(DATABASE_URL=f"sqlite:///{fresh_path}")
    with second.app_context():
        from flask_migrate import upgrade
        upgrade()
        assert _directory(verification=False) != expected
        other_admin = make_member(role="admin")
        import_text(other_admin, exported, fmt)
        assert _directory(verification=False) == expected
        # Importing the same file again changes nothing.
        assert import_text(other_admin, exported, fmt)["created"] == 0
        assert _directory(verification=False) == expected
        db.session.remove()


def test_csv_export_parses_back_with_every_column(app):
    rows = parse_csv(export_csv())
    assert rows[0][0] == 2 and set(rows[0][1]) == set(COLUMNS)
    assert len(rows) == Resource.query.count()


def test_console_import_and_export(app, client, make_member):
    admin = make_member(role="admin")
    login(client, admin.handle)
    exported = client.get("/admin/resources/export.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    assert "attachment" in exported.headers["Content-Disposition"]
    as_json = client.get("/admin/resources/export.json")
    assert len(as_json.get_json()["resources"]) == Resource.query.count()

    before = _directory()
    bad = _csv(GOOD, "Bad,phone,GB,not a number,,,,,en,,false,everyone,,true,,")
    response = client.post("/admin/resources/import", data={"file": (io.BytesIO(bad.encode()), "dir.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Nothing was imported" in page
    assert "<td>3</td><td>phone</td>" in page
    assert _directory() == before

    response = client.post("/admin/resources/import", data={"file": (io.BytesIO(_csv(GOOD).encode()), "dir.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and "Check these changes" in response.get_data(as_text=True)
    assert Resource.query.filter_by(name="Night Line").count() == 0, "a preview writes nothing"
    response = client.post("/admin/resources/import", data=_confirm_fields(response),
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert Resource.query.filter_by(name="Night Line").count() == 1


def _confirm_fields(preview_response) -> dict:
    """The preview page's confirmation form, as the browser would send it (line ends as CRLF, as browsers do)."""
    page = preview_response.get_data(as_text=True)
    form = page[page.index('class="import-confirm"'):]
    token = re.search(r'name="confirm_token" value="([^"]*)"', form).group(1)
    content = html.unescape(re.search(r'name="content" value="([^"]*)"', form).group(1))
    return {"confirm_token": token, "content": content.replace("\n", "\r\n")}


def _upload(client, text, name="dir.csv"):
    return client.post("/admin/resources/import", data={"file": (io.BytesIO(text.encode()), name)},
                       content_type="multipart/form-data")


def test_changed_numbers_are_shown_before_they_apply_and_confirm_applies_exactly_that(app, client, make_member):
    """A shared file that changes a hotline's number (and other fields), adds an entry and hides one: the preview
    names every change with the number now and after, writes nothing, and confirming applies exactly that; the
    changed entries are unverified, the others keep their verification."""
    admin = make_member(role="admin")
    for r in Resource.query.all():
        verify_resource(admin, r)
    db.session.commit()
    login(client, admin.handle)
    rows = dict((f"{f['country']}/{f['kind']}/{f['name']}", f) for _l, f in parse_csv(export_csv()))
    samaritans = rows["GB/phone/Samaritans"]
    old_phone = samaritans["phone"]
    samaritans.update(phone="0800 666 666", hours="evenings", last_verified="2099-01-01", verified_by=admin.handle)
    hidden_key = next(k for k in rows if k.startswith("US/"))
    rows[hidden_key]["active"] = "false"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows([samaritans, rows[hidden_key]])
    text = out.getvalue() + GOOD + "\n"
    before, audits = _directory(), AuditEntry.query.filter_by(action="resource.import").count()

    preview = _upload(client, text)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "1 existing\n    entry gets a new number or address" in page
    changes = page[page.index('class="table import-changes"'):page.index("</table>", page.index("import-changes"))]
    assert f"<del>{old_phone}</del></td><td><ins>0800 666 666</ins>" in changes
    assert "<ins>evenings</ins>" in changes and "will be hidden" in changes and "loses its verification" in changes
    assert "Night Line" in page[page.index("import-additions"):]
    assert "2099" not in changes
    assert _directory() == before and AuditEntry.query.filter_by(action="resource.import").count() == audits

    done = client.post("/admin/resources/import", data=_confirm_fields(preview), content_type="multipart/form-data")
    assert done.status_code == 302
    changed = Resource.query.filter_by(country="GB", kind="phone", name="Samaritans").one()
    assert (changed.phone, changed.hours, changed.last_verified, changed.verified_by_id) == \
        ("0800 666 666", "evenings", None, None)
    country, kind, name = hidden_key.split("/", 2)
    assert Resource.query.filter_by(country=country, kind=kind, name=name).one().active is False
    assert Resource.query.filter_by(name="Night Line").one().last_verified is None
    after = {(r["country"], r["kind"], r["name"]): r for r in _directory()}
    untouched = [r for key, r in after.items() if key not in {("GB", "phone", "Samaritans"), (country, kind, name),
                                                              ("GB", "phone", "Night Line")}]
    assert untouched and all(r["last_verified"] for r in untouched), "entries the file left alone stay verified"
    assert untouched == [r for r in before if (r["country"], r["kind"], r["name"]) in
                         {(u["country"], u["kind"], u["name"]) for u in untouched}]
    entry = AuditEntry.query.filter_by(action="resource.import").one()
    assert entry.after["created"] == 1 and entry.after["updated"] == 2


def test_confirm_is_refused_when_the_directory_changed_since_the_preview(app, client, make_member):
    admin = make_member(role="admin")
    login(client, admin.handle)
    text = _csv(GOOD)
    preview = _upload(client, text)
    assert preview.status_code == 200
    # Another admin changes the directory before this one confirms.
    update_resource(admin, Resource.query.filter_by(country="GB", name="Samaritans").one(), {"hours": "changed"})
    db.session.commit()
    refused = client.post("/admin/resources/import", data=_confirm_fields(preview),
                          content_type="multipart/form-data")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "changed since this preview" in page
    assert Resource.query.filter_by(name="Night Line").count() == 0
    assert AuditEntry.query.filter_by(action="resource.import").count() == 0
    # The page shows the new preview, which can be confirmed.
    assert "Check these changes" in page
    assert client.post("/admin/resources/import", data=_confirm_fields(refused),
                       content_type="multipart/form-data").status_code == 302
    assert Resource.query.filter_by(name="Night Line").count() == 1


def test_confirm_applies_only_the_previewed_file_for_the_admin_who_previewed_it(app, client, make_member,
                                                                              monkeypatch):
    admin, other = make_member(role="admin"), make_member("second-admin", role="admin")
    login(client, admin.handle)
    preview = _upload(client, _csv(GOOD))
    fields = _confirm_fields(preview)
    before = _directory()
    swapped = {**fields, "content": fields["content"].replace("0800 123 456", "0800 999 999")}
    for data in (swapped, {**fields, "confirm_token": fields["confirm_token"][:-4] + "AAAA"},
                 {**fields, "confirm_token": "x"}):
        r = client.post("/admin/resources/import", data=data, content_type="multipart/form-data")
        assert r.status_code == 400 and "upload" in r.get_data(as_text=True)
    other_client = app.test_client()
    login(other_client, other.handle)
    r = other_client.post("/admin/resources/import", data=fields, content_type="multipart/form-data")
    assert r.status_code == 400
    assert _directory() == before and AuditEntry.query.filter_by(action="resource.import").count() == 0
    from moderation.resources import io as resource_io
    monkeypatch.setattr(resource_io, "PREVIEW_MAX_AGE", -1)  # the preview's hour is over
    r = client.post("/admin/resources/import", data=fields, content_type="multipart/form-data")
    assert r.status_code == 400 and "more than an hour old" in r.get_data(as_text=True)
    assert _directory() == before
    monkeypatch.undo()
    assert client.post("/admin/resources/import", data=fields,
                       content_type="multipart/form-data").status_code == 302, "within the hour it applies"


def test_a_file_cannot_vouch_for_a_changed_number(app, make_member):
    """A shared file that changes a hotline's number and claims a fresh verification by a real admin: the number is
    imported but shown unverified; an unchanged row keeps the verification it had."""
    from datetime import date
    admin, other = make_member(role="admin"), make_member("real-admin", role="admin")
    lines = [r for r in export_csv().splitlines()[1:] if r.startswith("Samaritans,")]
    for r in Resource.query.all():
        verify_resource(admin, r)
    db.session.commit()
    row = parse_csv(export_csv())
    samaritans = next(fields for _line, fields in row if fields["name"] == "Samaritans" and fields["country"] == "GB")
    samaritans.update(phone="0800 666 666", last_verified=date.today().isoformat(), verified_by="real-admin")
    from moderation.resources.io import import_rows
    summary = import_rows(admin, [(2, samaritans)])
    assert summary["updated"] == 1
    changed = Resource.query.filter_by(name="Samaritans", country="GB").one()
    assert changed.phone == "0800 666 666" and changed.last_verified is None and changed.verified_by_id is None
    assert lines  # the seeded directory has the entry
    assert Resource.query.filter(Resource.last_verified.isnot(None)).count() > 0, "untouched rows stay verified"


def test_csv_export_neutralises_formulas(app, make_member):
    admin = make_member(role="admin")
    for n, evil in enumerate(["=HYPERLINK(\"http://evil.example\")", "+1+1", "-2+3", "@SUM(A1)"]):
        create_resource(admin, {"name": f"Formula {n}", "kind": "web", "country": "GB", "url": "https://example.org",
                                "description": evil})
    db.session.commit()
    exported = export_csv()
    cells = [row["description"] for row in csv.DictReader(io.StringIO(exported)) if row["name"].startswith("Formula")]
    assert len(cells) == 4 and all(c.startswith("'") for c in cells), cells
    from moderation.resources.io import _cell
    assert _cell("\tx") == "'\tx" and _cell("\rx") == "'\rx" and _cell("calm words") == "calm words"
    # Import reads them back as they were written.
    back = {fields["name"]: fields["description"] for _l, fields in parse_csv(exported)
            if fields["name"].startswith("Formula")}
    assert back["Formula 1"] == "+1+1"
