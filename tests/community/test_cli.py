"""`flask --app wsgi members create-admin/promote/demote/list`, run through the app's CLI runner."""
from community.extensions import db
from community.members import services
from community.members.models import Member
from tests.conftest import login


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["members", *args])


def test_create_admin_prints_password_once_and_it_works(app):
    result = _run(app, "create-admin", "night-admin")
    assert result.exit_code == 0, result.output
    member = services.find_by_handle("night-admin")
    assert member is not None and member.role == "admin"
    password = [line.split(":", 1)[1].strip() for line in result.output.splitlines() if "password:" in line][0]
    assert services.authenticate("night-admin", password).id == member.id
    assert "recovery code" in result.output


def test_create_admin_may_use_a_reserved_word_but_not_a_bad_handle(app):
    assert _run(app, "create-admin", "admin").exit_code == 0  # staff may be called what they are
    for bad in ("ab", "has space", "x" * 25, "dot.ted"):
        result = _run(app, "create-admin", bad)
        assert result.exit_code != 0
        assert "3 to 24 characters" in result.output
        assert "Traceback" not in result.output
    assert db.session.scalar(db.select(db.func.count(Member.id))) == 1


def test_create_admin_twice_is_a_clear_error(app):
    assert _run(app, "create-admin", "night-admin").exit_code == 0
    result = _run(app, "create-admin", "Night-Admin")
    assert result.exit_code != 0 and "taken" in result.output


def test_promote_and_demote(any_app, make_member):
    make_member("rising-star")
    result = _run(any_app, "promote", "Rising-Star")
    assert result.exit_code == 0 and "rising-star is now moderator" in result.output
    db.session.expire_all()
    assert services.find_by_handle("rising-star").role == "moderator"
    assert _run(any_app, "promote", "rising-star", "--role", "admin").exit_code == 0
    db.session.expire_all()
    assert services.find_by_handle("rising-star").role == "admin"
    result = _run(any_app, "demote", "rising-star")
    assert result.exit_code == 0
    db.session.expire_all()
    assert services.find_by_handle("rising-star").role == "member"


def test_role_change_signs_out_existing_sessions(app, make_member):
    make_member("rising-star")
    client = app.test_client()
    login(client, "rising-star")
    assert client.get("/settings").status_code == 200
    assert _run(app, "promote", "rising-star").exit_code == 0
    assert client.get("/settings").status_code == 302  # must sign in again to pick up the new role


def test_promote_demote_unknown_member_and_bad_role(app, make_member):
    for command in ("promote", "demote"):
        result = _run(app, command, "nobody-here")
        assert result.exit_code != 0 and "No member with handle 'nobody-here'" in result.output
        assert "Traceback" not in result.output
    make_member("rising-star")
    result = _run(app, "promote", "rising-star", "--role", "overlord")
    assert result.exit_code != 0 and "overlord" in result.output
    assert services.find_by_handle("rising-star").role == "member"


def test_list_members_and_filter_by_role(app, make_member):
    make_member("zed-member", region="GB")
    make_member("amy-mod", role="moderator")
    result = _run(app, "list")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["amy-mod", "moderator", "-"]
    assert lines[1].split()[:3] == ["zed-member", "member", "GB"]
    assert lines[-1] == "2 member(s)"
    only_mods = _run(app, "list", "--role", "moderator").output
    assert "amy-mod" in only_mods and "zed-member" not in only_mods and "1 member(s)" in only_mods
