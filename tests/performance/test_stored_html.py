"""Posts are rendered once, when written or edited, and pages read the stored HTML; `forum rerender` renders rows
again when the renderer changes; new accounts' links still show as plain text; the migration backfills old posts."""
from sqlalchemy import text

from community import rendering
from community.extensions import db
from community.forum.models import Post
from tests.conftest import login
from tests.support import new_thread, reply


def _article(page: str, post_id: int) -> str:
    start = page.index(f'id="post-{post_id}"')
    return page[start:page.index("</article>", start)]


def test_written_post_stores_html_and_pages_do_not_render(app, make_member, token_for, monkeypatch):
    author = make_member("writer-a")
    author.trust_level = "trusted"
    db.session.commit()
    client = app.test_client()
    made = new_thread(client, token_for(author), body="**bold** and [a link](https://example.org)")
    post = db.session.get(Post, made["post"]["id"])
    assert "<strong>bold</strong>" in post.html and 'href="https://example.org"' in post.html
    assert "<a" not in post.html_plain and "a link" in post.html_plain
    assert post.html_version == rendering.RENDERER_VERSION

    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered on read")
    monkeypatch.setattr(rendering, "render_markdown", no_rendering)
    monkeypatch.setattr(rendering._md, "render", no_rendering)
    page = client.get(f"/t/{made['thread']['id']}").get_data(as_text=True)
    assert "<strong>bold</strong>" in _article(page, post.id)
    api = client.get(f"/api/v1/threads/{made['thread']['id']}").get_json()
    assert api["posts"][0]["html"] == post.html
    assert client.get(f"/api/v1/posts/{post.id}").get_json()["post"]["html"] == post.html


def test_edit_stores_fresh_html(app, make_member, token_for):
    author = make_member("writer-b")
    headers = token_for(author)
    client = app.test_client()
    made = new_thread(client, headers, body="first *words*")
    response = client.patch(f"/api/v1/posts/{made['post']['id']}", json={"body": "second **words**"}, headers=headers)
    assert response.status_code == 200, response.data
    assert response.get_json()["post"]["html"] == "<p>second <strong>words</strong></p>\n"
    db.session.expire_all()
    assert db.session.get(Post, made["post"]["id"]).html == "<p>second <strong>words</strong></p>\n"


def test_new_account_links_are_plain_text_and_become_links_with_trust(app, make_member, token_for):
    author = make_member("writer-c")  # a new account: links shown as text
    client = app.test_client()
    made = new_thread(client, token_for(author), body="see [this](https://example.org/x)")
    thread_id, post_id = made["thread"]["id"], made["post"]["id"]
    article = _article(client.get(f"/t/{thread_id}").get_data(as_text=True), post_id)
    assert "<a " not in article.split('class="body"', 1)[1] and "this" in article
    assert "<a" not in made["post"]["html"]
    author.trust_level = "trusted"  # trust is decided when the page is shown, from the stored variants
    db.session.commit()
    article = _article(client.get(f"/t/{thread_id}").get_data(as_text=True), post_id)
    assert 'href="https://example.org/x"' in article
    assert 'href="https://example.org/x"' in client.get(f"/api/v1/posts/{post_id}").get_json()["post"]["html"]


def _stale(post_id, html="<p>old</p>", version="0-old"):
    db.session.execute(text("UPDATE posts SET html = :h, html_plain = :h, html_version = :v WHERE id = :i"),
                       {"h": html, "v": version, "i": post_id})
    db.session.commit()
    db.session.expire_all()


def test_rerender_command_renders_stale_rows_only_unless_all(app, make_member, token_for):
    author = make_member("writer-d")
    headers = token_for(author)
    client = app.test_client()
    made = new_thread(client, headers, body="one *two*")
    other = reply(client, headers, made["thread"]["id"], body="three *four*")
    _stale(made["post"]["id"])
    _stale(other["id"], html="<p>current but odd</p>", version=rendering.RENDERER_VERSION)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["forum", "rerender"])
    assert result.exit_code == 0, result.output
    assert "Re-rendered 1 post(s)" in result.output
    db.session.expire_all()
    assert db.session.get(Post, made["post"]["id"]).html == "<p>one <em>two</em></p>\n"
    assert db.session.get(Post, made["post"]["id"]).html_version == rendering.RENDERER_VERSION
    assert db.session.get(Post, other["id"]).html == "<p>current but odd</p>"  # same version: left alone
    result = runner.invoke(args=["forum", "rerender", "--all"])
    assert result.exit_code == 0, result.output
    assert "Re-rendered 2 post(s)" in result.output
    db.session.expire_all()
    assert db.session.get(Post, other["id"]).html == "<p>three <em>four</em></p>\n"


def test_renderer_version_follows_the_policy(monkeypatch):
    before = rendering._fingerprint()
    monkeypatch.setattr(rendering, "ALLOWED_TAGS", rendering.ALLOWED_TAGS - {"hr"})
    assert rendering._fingerprint() != before


def test_migration_backfills_existing_posts(tmp_path):
    from flask_migrate import downgrade, upgrade

    from community import create_app
    from tests.conftest import BASE_CONFIG
    path = tmp_path / "backfill.sqlite3"
    app = create_app({**BASE_CONFIG, "DATABASE_URL": f"sqlite:///{path}"}, instance_path=str(tmp_path / "inst"))
    with app.app_context():
        upgrade(revision="0004")
        db.session.execute(text(
            "INSERT INTO members (handle, handle_key, password_hash, role, created_at, trust_level, session_epoch) "
            "VALUES ('old-timer', 'old-timer', 'x', 'member', CURRENT_TIMESTAMP, 'auto', 0)"))
        db.session.execute(text("INSERT INTO threads (board_id, author_id, title, status, created_at, "
                                "last_activity_at, post_count) VALUES (1, 1, 'Old', 'published', CURRENT_TIMESTAMP, "
                                "CURRENT_TIMESTAMP, 1)"))
        db.session.execute(text("INSERT INTO posts (thread_id, author_id, is_opening, body, status, created_at) "
                                "VALUES (1, 1, 1, 'an *old* post', 'published', CURRENT_TIMESTAMP)"))
        db.session.commit()
        upgrade()
        row = db.session.execute(text("SELECT html, html_plain, html_version FROM posts")).one()
        assert row == ("<p>an <em>old</em> post</p>\n", "<p>an <em>old</em> post</p>\n", rendering.RENDERER_VERSION)
        downgrade(revision="0004")
        upgrade()
        db.session.remove()
        db.engine.dispose()
