"""`flask --app wsgi doctor`: a healthy install passes with "ok" lines; each broken piece fails with plain words."""
from __future__ import annotations

from datetime import date

from sqlalchemy import delete, update

from community.extensions import db
from moderation.classifiers.base import SELF_HARM, TOXICITY
from moderation.classifiers.registry import set_backends
from moderation.resources.models import Resource
from tests.conftest import FakeClassifier


def doctor(app, *args):
    return app.test_cli_runner().invoke(args=["doctor", *args])


def verify_directory():
    db.session.execute(update(Resource).values(last_verified=date.today()))
    db.session.commit()


def test_healthy_install_passes(any_app):
    # Fake classifiers (name "fake"), on this app: the lexicon would rightly warn that it is a placeholder.
    set_backends(any_app, FakeClassifier(TOXICITY), FakeClassifier(SELF_HARM))
    any_app.config.update(SITE_URL="https://haven.example.org", TRUST_PROXY=1, RATELIMIT_ENABLED=True)
    verify_directory()
    result = doctor(any_app, "--strict")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    for topic in ("secret key", "safety-plan key", "database", "redis", "toxicity model", "self-harm model",
                  "crisis directory", "site url", "proxy"):
        assert any(line.startswith("ok") and f" {topic}:" in line for line in lines), (topic, result.output)
    assert "migrated to the newest revision" in result.output
    assert "All checks passed." in result.output
    assert "PROBLEM" not in result.output and "warning " not in result.output


def test_default_install_warns_but_passes(app):
    """Fresh `db upgrade`: the seeded directory is unverified, the lexicon is a placeholder, no SITE_URL. Works, so
    exit 0, with each warning said plainly; --strict turns warnings into a failure."""
    result = doctor(app)
    assert result.exit_code == 0, result.output
    assert "unverified or were last verified more than 180 days ago" in result.output
    assert "SITE_URL is not set" in result.output
    assert "No problems;" in result.output
    assert doctor(app, "--strict").exit_code == 1


def test_unmigrated_database(app_factory, tmp_path):
    app = app_factory(DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    result = doctor(app)
    assert result.exit_code == 1
    assert "never migrated" in result.output
    assert "Run `flask --app wsgi db upgrade`" in result.output
    assert "Traceback" not in result.output


def test_database_behind_head(app):
    db.session.execute(db.text("UPDATE alembic_version SET version_num = '0001'"))
    db.session.commit()
    result = doctor(app)
    assert result.exit_code == 1
    assert "is at revision 0001 but this version needs" in result.output


def test_unreachable_redis(app, scores):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    result = doctor(app)
    assert result.exit_code == 1
    assert "PROBLEM  redis: cannot reach Redis at redis://127.0.0.1:1/0" in result.output
    assert "Start Redis or fix REDIS_URL" in result.output


def test_empty_crisis_directory(app, scores):
    db.session.execute(delete(Resource))
    db.session.commit()
    result = doctor(app)
    assert result.exit_code == 1
    assert "no active helplines: a person in crisis would see nothing to call" in result.output


def test_no_emergency_numbers(app, scores):
    db.session.execute(update(Resource).where(Resource.kind == "emergency").values(active=False))
    db.session.commit()
    result = doctor(app)
    assert result.exit_code == 1
    assert "no emergency numbers" in result.output


def test_model_that_failed_to_load(app_factory):
    app = app_factory(MODERATION_TOXICITY_BACKEND="no-such-backend")
    result = doctor(app)
    assert result.exit_code == 1
    assert "toxicity model: no-such-backend (unavailable) did not load" in result.output


def test_bad_site_url(app, scores):
    app.config.update(SITE_URL="haven.example.org/forum", TRUST_PROXY=1)
    result = doctor(app)
    assert result.exit_code == 1
    assert "must be an origin such as https://haven.example.org" in result.output


def test_site_url_without_trust_proxy_warns(app, scores):
    app.config.update(SITE_URL="https://haven.example.org", TRUST_PROXY=0)
    result = doctor(app)
    assert result.exit_code == 0
    assert "Set TRUST_PROXY=1" in result.output


def _fresh_app(tmp_path, **config):
    from community import create_app
    from tests.conftest import BASE_CONFIG
    return create_app({**BASE_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'haven.sqlite3'}",
                       "SECRET_KEY": None, **config}, instance_path=str(tmp_path / "instance"))


def test_new_sqlite_database_and_keys_are_private_and_the_key_lives_apart(tmp_path):
    """The README's layout (the SQLite database in instance/): the database file and the generated secrets are
    created readable by their owner only, and the safety-plan key is generated outside the database's folder."""
    import stat

    from community.members import safety_plan
    app = _fresh_app(tmp_path)
    with app.app_context():
        db.session.execute(db.text("CREATE TABLE t (x INTEGER)"))
        db.session.commit()
        safety_plan._cipher()
        key = safety_plan.key_file(app)
        db.engine.dispose()
    database = tmp_path / "instance" / "haven.sqlite3"
    assert key == tmp_path / "keys" / "safety_plan_key"
    assert key.parent.resolve() != database.parent.resolve(), "the key must not sit in the database's folder"
    assert not (tmp_path / "instance" / "safety_plan_key").exists()
    for f in (database, tmp_path / "instance" / "secret_key", key):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, (f, oct(f.stat().st_mode))
    assert stat.S_IMODE(key.parent.stat().st_mode) & 0o077 == 0, "keys/ is private to its owner"
    # SAFETY_PLAN_KEY_FILE puts it anywhere.
    elsewhere = _fresh_app(tmp_path / "other", SAFETY_PLAN_KEY_FILE=str(tmp_path / "vault" / "plan.key"))
    with elsewhere.app_context():
        safety_plan._cipher()
        db.engine.dispose()
    assert stat.S_IMODE((tmp_path / "vault" / "plan.key").stat().st_mode) == 0o600


def test_a_key_at_the_old_place_is_moved_and_still_reads_every_plan(tmp_path):
    """A key generated by an earlier version in instance/ (beside the SQLite database): the plans written with it
    still decrypt, the key is moved to keys/ (mode 600, same key) and leaves the database's folder; the doctor
    then stops warning. A missing key is never silently replaced while plans exist."""
    import stat

    import pytest
    from cryptography.fernet import Fernet
    from flask_migrate import upgrade

    from community.members import safety_plan
    from community.members.services import create_member
    old_key = Fernet.generate_key().decode()
    (tmp_path / "instance").mkdir()
    old = tmp_path / "instance" / "safety_plan_key"
    old.write_text(old_key)
    old.chmod(0o600)
    app = _fresh_app(tmp_path)
    with app.app_context():
        upgrade()
        member, _code = create_member("plan-keeper", "a-long-password-1")
        db.session.add(safety_plan.SafetyPlan(member_id=member.id, ciphertext=Fernet(old_key).encrypt(
            b'{"reasons_for_living": ["my sister"]}').decode()))
        db.session.commit()
        assert old.exists(), "nothing moved before the key is first needed"
        assert safety_plan.get_plan(member)["reasons_for_living"] == ["my sister"]
        new = safety_plan.key_file(app)
        assert not old.exists() and new.read_text().strip() == old_key
        assert stat.S_IMODE(new.stat().st_mode) == 0o600
        assert safety_plan.get_plan(member)["reasons_for_living"] == ["my sister"], "read again from keys/"
        set_backends(app, FakeClassifier(TOXICITY), FakeClassifier(SELF_HARM))
        output = doctor(app).output
        assert "sits beside the database" not in output and "two key files" not in output, output
        assert f"ok       safety-plan key: {new}" in output

        # A different key already at the new place while the old one comes back: both stay, both decrypt.
        other = Fernet.generate_key().decode()
        new.unlink()
        new.write_text(other)
        old.write_text(old_key)
        assert safety_plan.get_plan(member)["reasons_for_living"] == ["my sister"]
        output = doctor(app).output
        assert old.exists() and "two key files" in output and "sits beside the database" in output, output

        # The key lost while plans exist: an error that says so, never a fresh key.
        new.unlink()
        old.unlink()
        with pytest.raises(RuntimeError, match="missing but the database holds safety plans"):
            safety_plan.get_plan(member)
        assert not new.exists()
        assert "PROBLEM  safety-plan key" in doctor(app).output
        db.engine.dispose()


def test_an_old_place_key_apart_from_the_database_stays_where_it_is(app):
    """instance/ without the database (PostgreSQL, or a database file elsewhere): the old key is already apart from
    it and is not moved (a container whose keys/ is not a volume cannot lose it); no warning about it."""
    from pathlib import Path

    from cryptography.fernet import Fernet

    from community.members import safety_plan
    app.config["SAFETY_PLAN_KEY"] = None
    old = Path(app.instance_path) / "safety_plan_key"
    old.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    old.write_text(key)
    old.chmod(0o600)
    assert safety_plan._keys() == [key]
    assert old.exists() and not safety_plan.key_file(app).exists()
    assert safety_plan.key_in_use(app) == old
    set_backends(app, FakeClassifier(TOXICITY), FakeClassifier(SELF_HARM))
    output = doctor(app).output
    assert f"ok       safety-plan key: {old}" in output
    assert "sits beside the database" not in output and "two key files" not in output


def test_a_key_that_cannot_move_stays_where_it_was(tmp_path, monkeypatch):
    """If keys/ cannot be written, the old key stays in place and is used (never lost); the doctor says so."""
    from cryptography.fernet import Fernet

    from community.members import safety_plan
    (tmp_path / "instance").mkdir()
    old = tmp_path / "instance" / "safety_plan_key"
    key = Fernet.generate_key().decode()
    old.write_text(key)

    def refuse(path, value):
        raise PermissionError("read-only")
    monkeypatch.setattr(safety_plan, "_write_new", refuse)
    app = _fresh_app(tmp_path)
    with app.app_context():
        assert safety_plan._keys() == [key]
        assert old.read_text() == key
        db.engine.dispose()


def test_doctor_warns_on_loose_permissions_a_key_beside_the_database_and_demo_passwords(app):
    from pathlib import Path

    from community.demo import seed_demo
    set_backends(app, FakeClassifier(TOXICITY), FakeClassifier(SELF_HARM))
    db_path = Path(app.config["SQLALCHEMY_DATABASE_URI"][len("sqlite:///"):])
    db_path.chmod(0o644)
    result = doctor(app)
    assert "warning  file permissions:" in result.output and f"chmod 600 {db_path}" in result.output
    db_path.chmod(0o600)
    # A key put beside the database: one copy of the folder reads every plan.
    from cryptography.fernet import Fernet
    app.config["SAFETY_PLAN_KEY"] = None
    key = db_path.with_name("safety_plan_key")
    key.write_text(Fernet.generate_key().decode())
    key.chmod(0o600)
    app.config["SAFETY_PLAN_KEY_FILE"] = str(key)
    assert "sits beside the database" in doctor(app).output
    # The default place (keys/ beside instance/) is not beside it.
    app.config["SAFETY_PLAN_KEY_FILE"] = None
    assert "sits beside the database" not in doctor(app).output
    seed_demo()
    result = doctor(app)
    assert "warning  demo accounts:" in result.output and "steady-keeper (admin)" in result.output


def test_settings_from_the_environment_are_read_once_at_start_up(tmp_path, monkeypatch):
    """SECRET_KEY and the safety-plan key come from the environment when the app starts (community/config.py): the
    doctor warns about a short SECRET_KEY given there, and a key set in the environment later changes nothing."""
    from cryptography.fernet import Fernet

    from community.members import safety_plan
    given = Fernet.generate_key().decode()
    monkeypatch.setenv("SECRET_KEY", "too-short")
    monkeypatch.setenv("SAFETY_PLAN_KEY", given)
    app = _fresh_app(tmp_path, SECRET_KEY="too-short")
    assert app.config["SECRET_KEY_FROM_ENVIRONMENT"] is True
    assert app.config["SAFETY_PLAN_KEY"] == given
    with app.app_context():
        result = doctor(app)
        assert "SECRET_KEY is shorter than 32 characters" in result.output
        assert "SAFETY_PLAN_KEY" in result.output
        monkeypatch.setenv("SAFETY_PLAN_KEY", Fernet.generate_key().decode())
        token = safety_plan._cipher().encrypt(b"plan")
        assert Fernet(given.encode()).decrypt(token) == b"plan"
        db.engine.dispose()
