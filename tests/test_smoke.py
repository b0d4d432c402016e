from tests.conftest import login


def test_home_and_help_render(client):
    assert client.get("/").status_code == 200
    page = client.get("/help?region=GB")
    assert page.status_code == 200 and b"tel:116123" in page.data


def test_crisis_post_is_held_with_resources(app, client, make_member, scores):
    member = make_member("sky-walker", region="GB")
    scores.self_harm_tier("goodbye", "intent")
    login(client, "sky-walker")
    response = client.post("/b/anxiety/new", data={"title": "hello", "body": "goodbye everyone"})
    assert response.status_code == 302 and "/held" in response.headers["Location"]
    page = client.get(response.headers["Location"])
    assert b"116 123" in page.data
    assert member.id
