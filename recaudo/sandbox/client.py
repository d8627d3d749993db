"""Recaudo's side of the sandbox: read its messages and answer as a debtor (httpx)."""

from __future__ import annotations

import base64
from typing import Any

import httpx
from django.conf import settings

TIMEOUT = httpx.Timeout(3.0, connect=1.0)


class SandboxUnavailable(Exception):
    """The sandbox is not running (or did not answer) at settings.SANDBOX_URL."""


class SandboxClient:
    def __init__(self, base_url: str | None = None) -> None:
        self.base_url = (base_url or settings.SANDBOX_URL).rstrip("/")

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = httpx.request(method, f"{self.base_url}{path}", timeout=TIMEOUT, **kwargs)
        except httpx.HTTPError as error:
            raise SandboxUnavailable(str(error)) from error
        if response.status_code >= 500:
            raise SandboxUnavailable(f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as error:
            raise SandboxUnavailable("the answer is not JSON; is this the sandbox?") from error
        if response.status_code >= 400:
            raise ValueError("; ".join(body.get("errors", [])) or f"HTTP {response.status_code}")
        return body

    def messages(self, address: str) -> list[dict[str, Any]]:
        return self._request("GET", "/_sandbox/messages", params={"address": address})["messages"]

    def inbound(
        self,
        channel: str,
        phone: str,
        text: str,
        name: str = "",
        media: tuple[bytes, str] | None = None,
        choice: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {"channel": channel, "from": phone, "text": text, "name": name}
        if choice is not None:  # a tap on a button or list row (kind, id) titled ``text``
            payload["choice"] = {"kind": choice[0], "id": choice[1]}
        if media is not None:
            payload["media"] = base64.b64encode(media[0]).decode()
            payload["media_type"] = media[1]
        return self._request("POST", "/_sandbox/inbound", json=payload)["message"]
