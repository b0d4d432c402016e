from flask import Blueprint, g, jsonify, request

from community.api_support import bearer_token, json_body, require, token_required
from community.extensions import limiter
from community.members import services

bp = Blueprint("members_api", __name__, url_prefix="/api/v1")


def member_to_dict(member) -> dict:
    return {"id": member.id, "handle": member.handle, "role": member.role, "region": member.region}


@bp.post("/members")
@limiter.limit("10 per hour")
def create_member():
    data = json_body()
    handle = require(data, "handle", optional=True)
    password = require(data, "password")
    region = require(data, "region", optional=True)
    if region is None:
        region = services.region_from_accept_language(request.accept_languages)
    member, code = services.create_member(handle, password, region=region)
    token = services.issue_token(member)
    return jsonify({"member": member_to_dict(member), "recovery_code": code, "token": token}), 201


@bp.post("/tokens")
@limiter.limit("10 per minute")
def create_token():
    data = json_body()
    member = services.authenticate(require(data, "handle"), require(data, "password"))
    return jsonify({"token": services.issue_token(member)}), 201


@bp.delete("/tokens/current")
@token_required()
def delete_token():
    services.revoke_token(bearer_token())
    return "", 204


@bp.get("/me")
@token_required()
def me():
    return jsonify({"member": member_to_dict(g.api_member)})


@bp.patch("/me")
@token_required()
def update_me():
    data = json_body()
    kwargs = {}
    if "handle" in data:
        kwargs["handle"] = require(data, "handle")
    if "region" in data:
        kwargs["region"] = data["region"] if data["region"] is None else require(data, "region")
    member = services.update_settings(g.api_member, **kwargs)
    return jsonify({"member": member_to_dict(member)})


@bp.get("/members/suggest-handle")
def suggest_handle():
    return jsonify({"handle": services.suggest_handle()})
