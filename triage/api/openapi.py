"""The OpenAPI 3.1 document of /api/v1, kept by hand as reviewed data.

tests/test_openapi.py validates it with openapi-spec-validator, checks real responses
against it with openapi-core and fuzzes the live app with schemathesis, so it stays true.
"""
from __future__ import annotations

from flask import jsonify

from triage.api import bp
from triage.api.schemas import staff as staff_schema
from triage.models import Category, Channel, Level, Priority, Status
from triage.services.items import inbox
from triage.services.insights import themes

STATUSES = [s.value for s in Status]
LEVELS = [v.value for v in Level]
CATEGORIES = [c.value for c in Category]
PRIORITIES = [p.value for p in Priority]


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def errors(*statuses: int) -> dict:
    """The documented error answers of an operation, all in the one error shape; any operation
    may answer 400 (malformed: not JSON, NUL characters, text that is not Unicode) and 503."""
    statuses = tuple(sorted({*statuses, 400, 503}))
    texts = {400: "Malformed request: not JSON, NUL characters or text that is not Unicode", 401: "Missing, unknown or revoked token",
             403: "Refused: origin not allowed, or the role may not do this", 404: "Not found", 409: "Already answered within the survey's ask-again days",
             413: "Body too large", 415: "Not JSON", 422: "Invalid fields (see error.fields)",
             429: "Rate limited (see Retry-After)", 503: "Database unavailable; retry after Retry-After seconds"}
    return {str(s): {"description": texts[s], "content": {"application/json": {"schema": ref("Error")}}}
            for s in statuses}


def ok(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


def query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


STRING = {"type": "string"}
COLOR = {"type": "string", "pattern": "^#[0-9a-f]{6}$"}
STAMP = {"type": "string", "format": "date-time"}
ID = {"type": "integer", "minimum": 1}
ITEM_ID = {"name": "item_id", "in": "path", "required": True, "schema": ID}
REF = {"type": "object", "required": ["id", "name"], "additionalProperties": False,
       "properties": {"id": ID, "name": STRING}}

VERDICT = {"enum": ["pass", "warn", "fail"]}
VERSION = {**STRING, "maxLength": 100, "description": "An app version: 4.2, 4.2.1, 4.2.1-beta.2 (stored normalised)"}
PROJECT_ARG = query("project", STRING, "The project's slug (may be left out while there is only one project)")
RELEASE_SCHEMAS = {
    "Gate": {"type": "object", "required": ["verdict", "checks"], "additionalProperties": False, "properties": {
        "verdict": VERDICT, "checks": {"type": "array", "items": {
            "type": "object", "required": ["rule", "verdict", "value", "threshold", "evidence"],
            "additionalProperties": False, "properties": {
                "rule": {**STRING, "description": "The rule in words"}, "verdict": VERDICT,
                "value": {"anyOf": [{"type": "number"}, {"type": "null"}],
                          "description": "What was measured (null: not enough data)"},
                "threshold": {"type": "number"},
                "evidence": {"type": "object", "required": ["kind", "text", "links"], "additionalProperties": False,
                             "properties": {
                                 "kind": {"enum": ["no_open_p1", "max_open_p2", "bug_rate", "nps_drop", "new_theme"]},
                                 "text": {**STRING, "description": "The numbers behind the verdict"},
                                 "links": {"type": "array", "items": {
                                     "type": "object", "required": ["label", "url", "filter"],
                                     "additionalProperties": False, "properties": {
                                         "label": STRING, "url": {**STRING, "format": "uri"},
                                         "filter": {"type": "object", "additionalProperties": STRING}}}}}}}}}}},
    "ReleaseList": {"type": "object", "required": ["project", "releases"], "additionalProperties": False,
                    "properties": {"project": STRING, "releases": {"type": "array", "items": {
                        "type": "object", "required": ["version", "released_at", "verdict"],
                        "additionalProperties": False,
                        "properties": {"version": STRING, "released_at": STAMP, "verdict": VERDICT}}}}},
    "NewRelease": {"type": "object", "required": ["version"], "properties": {
        "project": STRING, "version": VERSION,
        "released_at": {**STAMP, "description": "Defaults to the first report from it, else now"}}},
    "Release": {"type": "object", "required": ["version", "released_at"], "additionalProperties": False,
                "properties": {"version": STRING, "released_at": STAMP}},
    "AdoptionPost": {"type": "object", "properties": {
        "project": STRING, "day": {**STRING, "format": "date", "description": "Defaults to today (UTC)"},
        "sessions": {"type": "integer", "minimum": 0},
        "days": {"type": "array", "minItems": 1, "maxItems": 366, "items": {
            "type": "object", "required": ["sessions"], "properties": {
                "day": {**STRING, "format": "date"}, "sessions": {"type": "integer", "minimum": 0}}}}},
        "description": "One day ({day, sessions}) or several ({days: [...]}); a day posted again is replaced"},
    "Adoption": {"type": "object", "required": ["version", "days"], "additionalProperties": False, "properties": {
        "version": STRING, "days": {"type": "array", "items": {
            "type": "object", "required": ["day", "sessions"], "additionalProperties": False,
            "properties": {"day": {**STRING, "format": "date"}, "sessions": {"type": "integer"}}}}}},
}
VERSION_PATH = {"name": "version", "in": "path", "required": True, "schema": VERSION}

SCHEMAS = {
    "Error": {"type": "object", "required": ["error"], "additionalProperties": False, "properties": {
        "error": {"type": "object", "required": ["code", "message", "fields"], "additionalProperties": False,
                  "properties": {"code": STRING, "message": STRING,
                                 "fields": {"type": "object", "additionalProperties": STRING}}}}},
    "FormToken": {"type": "object", "required": ["token", "min_fill_seconds", "expires_in"],
                  "additionalProperties": False, "properties": {
                      "token": STRING, "min_fill_seconds": {"type": "number"}, "expires_in": {"type": "integer"}}},
    "FeedbackSubmission": {"type": "object", "required": ["public_key"], "additionalProperties": False, "properties": {
        "public_key": {**STRING, "description": "The project's public widget key"},
        "kind": {"enum": ["bug", "idea", "feedback", "other"]},
        "title": {**STRING, "maxLength": 200}, "message": {**STRING, "maxLength": 20000},
        "email": {**STRING, "maxLength": 254},
        "context": {"type": "object", "description": "page_url, referrer, user_agent, viewport, language, "
                    "app_version, metadata (flat object), js_errors (list)",
                    "properties": {"metadata": {"type": "object"},
                                   "js_errors": {"type": "array", "items": {"type": "object"}}}},
        "user": {"type": "object", "description": "The host's user; trusted only with user_signature"},
        "user_signature": {**STRING, "description": "HMAC-SHA256 of the canonical user JSON with the project secret"},
        "form_token": {**STRING, "description": "From GET /form-token; missing or stale tokens are quarantined"},
        "website": {**STRING, "description": "Honeypot: leave empty"}}},
    "WidgetConfig": {"type": "object", "required": ["brand"], "additionalProperties": False, "properties": {
        "brand": {"type": "object", "required": ["color", "text", "hover", "ink", "logo_url", "name"],
                  "additionalProperties": False, "properties": {
                      "color": nullable(COLOR), "text": nullable(COLOR), "hover": nullable(COLOR),
                      "ink": nullable({**COLOR, "description": "The colour dark enough for text on white"}),
                      "logo_url": nullable({**STRING, "format": "uri", "description": "PNG, at most 256 px high"}),
                      "name": STRING}}}},
    "Receipt": {"type": "object", "required": ["id", "status_url", "upload_url", "upload_token"],
                "additionalProperties": False, "properties": {
                    "id": ID, "status_url": {**STRING, "format": "uri"}, "upload_url": {**STRING, "format": "uri"},
                    "upload_token": STRING}},
    "Attachment": {"type": "object", "required": ["id", "filename", "content_type", "size"],
                   "additionalProperties": False, "properties": {
                       "id": ID, "filename": STRING, "content_type": STRING, "size": {"type": "integer"}}},
    "SurveyPrompt": {"type": "object", "required": ["survey"], "additionalProperties": False, "properties": {
        "survey": nullable({"type": "object", "additionalProperties": False,
                            "required": ["token", "kind", "question", "scale", "frequency_days"], "properties": {
                                "token": STRING, "kind": {"enum": ["nps", "csat", "single"]}, "question": STRING,
                                "scale": nullable({"type": "object", "required": ["min", "max"],
                                                   "additionalProperties": False, "properties": {
                                                       "min": {"type": "integer"}, "max": {"type": "integer"}}}),
                                "frequency_days": {"type": "integer", "minimum": 1}}})}},
    "SurveyAnswer": {"type": "object", "required": ["visitor"], "properties": {
        "score": nullable({"type": "integer", "description": "NPS 0-10, CSAT 1-5; none for an open question"}),
        "comment": {**STRING, "maxLength": 5000, "description": "Becomes a feedback item (channel survey)"},
        "visitor": {**STRING, "pattern": "^[A-Za-z0-9_-]{8,100}$", "description": "The widget's random visitor id"},
        "app_version": nullable({**STRING, "description": "The respondent's app version (release health)"}),
        "user": {"type": "object", "description": "The host's user; trusted only with user_signature"},
        "user_signature": {**STRING, "description": "HMAC-SHA256 of the canonical user JSON"}}},
    "SimilarReports": {"type": "object", "required": ["similar"], "additionalProperties": False, "properties": {
        "similar": {"type": "array", "maxItems": 5, "items": {
            "type": "object", "required": ["id", "title", "status", "votes", "score"], "additionalProperties": False,
            "properties": {"id": ID, "title": STRING, "status": {"enum": STATUSES},
                           "votes": {"type": "integer", "minimum": 0},
                           "score": {"type": "number", "description": "Cosine similarity 0-1 (0.3 and up are shown)"}}}}}},
    "MeToo": {"type": "object", "required": ["public_key", "visitor"], "properties": {
        "public_key": {**STRING, "description": "The project's public widget key"},
        "visitor": {**STRING, "minLength": 8, "maxLength": 64,
                    "description": "The widget's random visitor id: one vote per visitor (or email)"},
        "email": {**STRING, "maxLength": 254, "description": "Optional: the voter then follows the item"},
        "name": {**STRING, "maxLength": 120}}},
    "VoteReceipt": {"type": "object", "required": ["id", "counted", "votes"], "additionalProperties": False,
                    "properties": {"id": ID, "counted": {"type": "boolean",
                                                         "description": "False when this person had voted already"},
                                   "votes": {"type": "integer", "minimum": 0}}},
    "SurveyReceipt": {"type": "object", "required": ["id"], "additionalProperties": False,
                      "properties": {"id": ID}},
    "Item": {"type": "object", "additionalProperties": False, "required": [
        "id", "project", "channel", "kind", "title", "body", "status", "category", "impact", "urgency",
        "priority", "confidence", "tags", "team", "assignee", "theme", "submitter_email", "first_response_due",
        "resolution_due", "created_at", "updated_at"], "properties": {
        "id": ID,
        "project": {"type": "object", "required": ["id", "slug"], "additionalProperties": False,
                    "properties": {"id": ID, "slug": STRING}},
        "channel": {"enum": [c.value for c in Channel]},
        "kind": {"enum": ["bug", "idea", "feedback"]}, "title": STRING, "body": STRING,
        "status": {"enum": STATUSES}, "category": nullable({"enum": CATEGORIES}),
        "impact": nullable({"enum": LEVELS}), "urgency": nullable({"enum": LEVELS}),
        "priority": nullable({"enum": PRIORITIES}), "confidence": nullable({"type": "number"}),
        "tags": {"type": "array", "items": STRING}, "team": nullable(REF), "assignee": nullable(REF),
        "theme": nullable(REF), "submitter_email": nullable(STRING), "first_response_due": nullable(STAMP),
        "resolution_due": nullable(STAMP), "created_at": STAMP, "updated_at": STAMP}},
    "Event": {"type": "object", "required": ["id", "kind", "actor", "data", "created_at"],
              "additionalProperties": False, "properties": {
                  "id": ID, "kind": STRING, "actor": nullable(REF), "data": {"type": "object"}, "created_at": STAMP}},
    "Comment": {"type": "object", "required": ["id", "body", "public", "author", "created_at"],
                "additionalProperties": False, "properties": {
                    "id": ID, "body": STRING, "public": {"type": "boolean"}, "author": nullable(REF),
                    "created_at": STAMP}},
    "ItemPage": {"type": "object", "required": ["items", "next_cursor"], "additionalProperties": False,
                 "properties": {"items": {"type": "array", "items": ref("Item")},
                                "next_cursor": nullable({**STRING, "description": "Pass as ?cursor= for the next page"})}},
    "ItemPatch": {"type": "object", "minProperties": 1, "additionalProperties": False, "properties": {
        "status": {"enum": STATUSES}, "team_id": nullable(ID), "assignee_id": nullable(ID),
        "category": {"enum": CATEGORIES}, "impact": {"enum": LEVELS}, "urgency": {"enum": LEVELS},
        "tags": {"type": "array", "maxItems": staff_schema.MAX_TAGS,
                 "items": {**STRING, "minLength": 1, "maxLength": staff_schema.MAX_TAG}},
        "theme": nullable({**STRING, "maxLength": themes.MAX_NAME,
                           "description": "A theme of the item's project by name (made if new); null for none"}),
        "comment": {"type": "object", "required": ["body"], "additionalProperties": False,
                    "properties": {"body": {**STRING, "minLength": 1, "maxLength": 20000},
                                   "public": {"type": "boolean", "default": False}}}}},
    **RELEASE_SCHEMAS,
}
# Item plus its context, timeline and comments, spelled out: an allOf with Item would be
# refused by Item's additionalProperties: false.
SCHEMAS["ItemDetail"] = {
    "type": "object", "additionalProperties": False,
    "required": SCHEMAS["Item"]["required"] + ["context", "events", "comments"],
    "properties": {**SCHEMAS["Item"]["properties"], "context": {"type": "object"},
                   "events": {"type": "array", "items": ref("Event")},
                   "comments": {"type": "array", "items": ref("Comment")}}}

STAFF = [{"bearerAuth": []}]
PATHS = {
    "/form-token": {"get": {
        "operationId": "formToken", "tags": ["widget"], "summary": "A short-lived anti-spam form token",
        "parameters": [{"name": "key", "in": "query", "required": True, "schema": STRING}],
        "responses": {"200": ok("A signed token", "FormToken"), **errors(403, 404, 429)}}},
    "/widget-config": {"get": {
        "operationId": "widgetConfig", "tags": ["widget"], "summary": "The project's brand for the widget",
        "parameters": [{"name": "key", "in": "query", "required": True, "schema": STRING}],
        "responses": {"200": ok("The brand colours and logo", "WidgetConfig"), **errors(403, 404, 429)}}},
    "/feedback": {"post": {
        "operationId": "submitFeedback", "tags": ["widget"], "summary": "Send feedback with a public key",
        "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                        "schema": {**STRING, "minLength": 8, "maxLength": 100},
                        "description": "The same key returns the same item, never a second one"}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": ref("FeedbackSubmission")}}},
        "responses": {"201": ok("Stored", "Receipt"), "200": ok("Already stored under this Idempotency-Key", "Receipt"),
                      **errors(400, 403, 404, 413, 415, 422, 429)}}},
    "/similar": {"get": {
        "operationId": "similarReports", "tags": ["widget"],
        "summary": "Open public reports of the project that read like the text being typed (for \"me too\")",
        "parameters": [{"name": "key", "in": "query", "required": True, "schema": STRING},
                       query("q", {**STRING, "maxLength": 2000}, "The text typed so far; under 8 characters finds none")],
        "responses": {"200": ok("Up to five reports, most similar first", "SimilarReports"), **errors(403, 404, 429)}}},
    "/feedback/{item_id}/votes": {"post": {
        "operationId": "meToo", "tags": ["widget"], "summary": "\"Me too\": one vote per visitor or email",
        "parameters": [ITEM_ID],
        "requestBody": {"required": True, "content": {"application/json": {"schema": ref("MeToo")}}},
        "responses": {"201": ok("Counted", "VoteReceipt"), "200": ok("This person had voted already", "VoteReceipt"),
                      **errors(400, 403, 404, 413, 415, 422, 429)}}},
    "/feedback/{item_id}/attachments": {"post": {
        "operationId": "uploadAttachment", "tags": ["widget"], "summary": "Attach a screenshot (PNG, JPEG, WebP)",
        "parameters": [ITEM_ID],
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["token", "file"], "properties": {
                "token": {**STRING, "description": "upload_token from the receipt"},
                "file": {**STRING, "contentMediaType": "application/octet-stream"}}}}}},
        "responses": {"201": ok("Stored, re-encoded without metadata", "Attachment"),
                      **errors(400, 403, 404, 413, 422, 429)}}},
    "/surveys/next": {"get": {
        "operationId": "nextSurvey", "tags": ["widget"],
        "summary": "The survey to show this visitor now (active, sampled, not answered recently), or null",
        "parameters": [{"name": "key", "in": "query", "required": True, "schema": STRING},
                       query("visitor", STRING, "The widget's random visitor id (8-100 of A-Z a-z 0-9 - _)"),
                       query("user", STRING, "The host's user object as JSON; used with user_signature"),
                       query("user_signature", STRING, "HMAC-SHA256 of the canonical user JSON")],
        "responses": {"200": ok("A survey or null", "SurveyPrompt"), **errors(403, 404, 422, 429)}}},
    "/surveys/{token}/responses": {"post": {
        "operationId": "answerSurvey", "tags": ["widget"], "summary": "Answer a survey shown by the widget",
        "parameters": [{"name": "token", "in": "path", "required": True, "schema": STRING}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": ref("SurveyAnswer")}}},
        "responses": {"201": ok("Stored", "SurveyReceipt"), **errors(400, 403, 404, 409, 413, 415, 422, 429)}}},
    "/items": {"get": {
        "operationId": "listItems", "tags": ["staff"], "summary": "Items, newest first, with cursor pagination",
        "security": STAFF, "parameters": [
            query("project", ID, "Project id"), query("team", ID, "Team id"), query("assignee", ID, "User id"),
            query("theme", ID, "Theme id"), query("status", {"enum": ["any", "open", *STATUSES], "default": "any"}, "A status, open or any"),
            query("category", {"enum": CATEGORIES}, "Category"),
            query("priority", {"enum": PRIORITIES}, "Priority"),
            query("q", {**STRING, "maxLength": inbox.MAX_QUERY}, "Words in the title or body"),
            query("version", VERSION, "The app version the items came from (4.2 is 4.2.0)"),
            query("cursor", STRING, "next_cursor of the previous page"),
            query("limit", {"type": "integer", "minimum": 1, "maximum": staff_schema.MAX_LIMIT,
                            "default": staff_schema.DEFAULT_LIMIT}, "Page size")],
        "responses": {"200": ok("One page", "ItemPage"), **errors(401, 422, 429)}}},
    "/items/{item_id}": {
        "get": {"operationId": "getItem", "tags": ["staff"], "summary": "One item with its timeline and comments",
                "security": STAFF, "parameters": [ITEM_ID],
                "responses": {"200": ok("The item", "ItemDetail"), **errors(401, 404, 429)}},
        "patch": {"operationId": "updateItem", "tags": ["staff"], "security": STAFF, "parameters": [ITEM_ID],
                  "summary": "Change status, assignment, labels or tags, or comment (agents and admins)",
                  "requestBody": {"required": True, "content": {"application/json": {"schema": ref("ItemPatch")}}},
                  "responses": {"200": ok("The changed item", "ItemDetail"),
                                **errors(400, 401, 403, 404, 413, 415, 422, 429)}}},
    "/releases": {
        "get": {"operationId": "listReleases", "tags": ["releases"], "security": STAFF, "parameters": [PROJECT_ARG],
                "summary": "A project's releases, newest first, with their gate verdicts",
                "responses": {"200": ok("The releases", "ReleaseList"), **errors(401, 404, 422, 429)}},
        "post": {"operationId": "createRelease", "tags": ["releases"], "security": STAFF,
                 "summary": "Make a release (at deploy time), or correct its release time",
                 "requestBody": {"required": True, "content": {"application/json": {"schema": ref("NewRelease")}}},
                 "responses": {"201": ok("The release", "Release"), **errors(400, 401, 404, 413, 415, 422, 429)}}},
    "/releases/{version}/gate": {"get": {
        "operationId": "releaseGate", "tags": ["releases"], "security": STAFF,
        "parameters": [VERSION_PATH, PROJECT_ARG],
        "summary": "The go/no-go gate of a release, evaluated now: pass, warn or fail with each rule's evidence",
        "responses": {"200": ok("The gate", "Gate"), **errors(401, 404, 422, 429)}}},
    "/releases/{version}/adoption": {"post": {
        "operationId": "postAdoption", "tags": ["releases"], "security": STAFF, "parameters": [VERSION_PATH],
        "summary": "Sessions (or active users) on a release per day, so that rates are per 1,000 sessions",
        "requestBody": {"required": True, "content": {"application/json": {"schema": ref("AdoptionPost")}}},
        "responses": {"200": ok("Stored", "Adoption"), **errors(400, 401, 404, 413, 415, 422, 429)}}},
    "/openapi.json": {"get": {
        "operationId": "openapiDocument", "tags": ["meta"], "summary": "This document",
        "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {
            "schema": {"type": "object"}}}}, **errors()}}},
}

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "triage API", "version": "1.0.0",
             "description": "The widget's public endpoints (public key, no cookies) and the staff API "
                            "(personal token from /auth/tokens). Every error is {\"error\": {code, message, fields}}."},
    "servers": [{"url": "/api/v1"}],
    "paths": PATHS,
    "components": {"schemas": SCHEMAS, "securitySchemes": {
        "bearerAuth": {"type": "http", "scheme": "bearer", "description": "A personal API token"}}},
}


@bp.route("/openapi.json")
def openapi_document():
    return jsonify(DOCUMENT)
