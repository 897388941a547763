"""Paths with an encoded slash (`%2F`) name nothing here: 404 before routing.

Starlette routes on the decoded path, so `/cases/x%2Fstate` would reach
`GET /cases/{case_id}/state` although the URL names one segment. No id of this
API (case, policy, dispatch, shipment) contains a slash.
"""

from starlette.types import ASGIApp, Receive, Scope, Send

from api.problems import problem_response


class RefuseEncodedSlashes:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Some servers (and httpx's ASGI transport) leave the query string on `raw_path`.
        raw_path: bytes = (scope.get("raw_path") or b"").split(b"?", 1)[0]
        if scope["type"] == "http" and b"%2f" in raw_path.lower():
            detail = "no such resource: a path segment may not contain an encoded slash (%2F)"
            await problem_response(404, detail)(scope, receive, send)
            return
        await self.app(scope, receive, send)
