"""A small OpenID Connect provider for the login browser test, so st.login runs its real
authorization-code flow (with PKCE) against something on 127.0.0.1: a discovery document, a
JWKS, an authorize endpoint that signs in whoever the test chose (no login form: choosing the
user is the test's job), and a token endpoint issuing an RS256-signed ID token.

    provider = Provider("client-id", "client-secret").start()
    provider.redirect_uri = "http://127.0.0.1:8501/oauth2callback"
    provider.user = {"email": "olive@leics.example", "name": "Olive Officer"}
    ...
    provider.stop()
"""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey


class Provider:
    """One client, one signing key, and the user the next sign-in is for (``user``: the
    claims to put in the ID token besides the standard ones; None refuses sign-in)."""

    def __init__(self, client_id: str, client_secret: str):
        self.client_id, self.client_secret = client_id, client_secret
        self.redirect_uri = ""
        self.user: dict | None = None
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig",
                                                         "alg": "RS256"})
        self.codes: dict[str, dict] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def start(self) -> Provider:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def metadata(self) -> dict:
        return {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "scopes_supported": ["openid", "email", "profile"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                          "client_secret_post"]}

    def authorize(self, query: dict) -> str:
        """The URL to send the browser back to: a code for the chosen user, or an error."""
        if query.get("client_id") != self.client_id or \
                query.get("redirect_uri") != self.redirect_uri:
            raise ValueError("unknown client or redirect_uri")
        back = {"state": query.get("state", "")}
        if self.user is None:
            back["error"] = "access_denied"
        else:
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"user": dict(self.user), "nonce": query.get("nonce"),
                                "challenge": query.get("code_challenge")}
            back["code"] = code
        return f"{self.redirect_uri}?{urlencode(back)}"

    def token(self, form: dict, authorization: str | None) -> dict:
        """Exchange a code (once) for tokens; raises ValueError for anything wrong."""
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(
                authorization[6:]).decode().partition(":")
        if (client_id, client_secret) != (self.client_id, self.client_secret):
            raise ValueError("invalid_client")
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or form.get("redirect_uri") != self.redirect_uri:
            raise ValueError("invalid_grant")
        if grant["challenge"]:
            verifier = form.get("code_verifier", "").encode()
            expected = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
            if expected.decode() != grant["challenge"]:
                raise ValueError("invalid_grant")
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 600,
                  "sub": grant["user"].get("email", "someone"), **grant["user"]}
        if grant["nonce"]:
            claims["nonce"] = grant["nonce"]
        id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key)
        return {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                "expires_in": 600, "id_token": id_token}


def _handler(provider: Provider):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            url = urlparse(self.path)
            if url.path == "/.well-known/openid-configuration":
                self._json(200, provider.metadata())
            elif url.path == "/jwks":
                self._json(200, {"keys": [provider.key.as_dict(private=False)]})
            elif url.path == "/authorize":
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                try:
                    location = provider.authorize(query)
                except ValueError as problem:
                    self._json(400, {"error": str(problem)})
                    return
                self.send_response(302)
                self.send_header("Location", location)
                self.end_headers()
            else:
                self._json(404, {"error": "not_found"})

        def do_POST(self):  # noqa: N802
            if urlparse(self.path).path != "/token":
                self._json(404, {"error": "not_found"})
                return
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            form = {k: v[0] for k, v in parse_qs(body).items()}
            try:
                self._json(200, provider.token(form, self.headers.get("Authorization")))
            except ValueError as problem:
                self._json(400, {"error": str(problem)})

        def _json(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # keep the test output quiet
            pass

    return Handler
