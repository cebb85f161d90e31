"""Slow and huge request bodies are refused early, with a clear error, by the real server."""

from __future__ import annotations

import json
import select
import socket
import time
from pathlib import Path

import pytest

from lsc_engine.access.policy import Role
from lsc_engine.settings import Settings
from lsc_engine.store import migrate

from .live import HOST, LiveServer

pytestmark = pytest.mark.live


def _raw_post(port: int, token: str, declared: int, sent: bytes) -> tuple[str, dict[str, object]]:
    """Send a self-check whose body stops arriving, and return the status line and the JSON answer."""
    return _raw_request(port, token, "/v1/self-check", declared, sent)


def _raw_request(port: int, token: str, path: str, declared: int, sent: bytes) -> tuple[str, dict[str, object]]:
    """POST a body that stops arriving (or is over the limit), and return the status line and the JSON answer."""
    with socket.create_connection((HOST, port), timeout=30) as connection:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {declared}\r\n\r\n"
        )
        connection.sendall(head.encode() + sent)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    status, _, rest = answer.partition(b"\r\n")
    return status.decode(), json.loads(rest.split(b"\r\n\r\n", 1)[1])


def test_a_body_that_stops_arriving_gets_408(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    migrate.upgrade(settings)
    with LiveServer(settings, tmp_path, env={"LSC_BODY_TIMEOUT_SECONDS": "1"}) as server:
        started = time.monotonic()
        status, body = _raw_post(server.port, server.tokens[Role.DCC], 100_000, b'{"statement": ')
        waited = time.monotonic() - started
    assert status.startswith("HTTP/1.1 408")
    assert body["code"] == "request_timeout"
    assert body["message"] == "the body took longer than 1 s to arrive"
    print(f"slow body refused after {waited:.2f} s")


def test_a_declared_oversize_body_is_refused_before_it_is_sent(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    migrate.upgrade(settings)
    with LiveServer(settings, tmp_path, env={"LSC_MAX_REQUEST_BYTES": "4096"}) as server:
        status, body = _raw_post(server.port, server.tokens[Role.DCC], 10_000_000, b"")
    assert status.startswith("HTTP/1.1 413")
    assert body["details"] == {"limit": 4096}


def _raw(port: int, head: bytes) -> bytes:
    """Send raw bytes and return everything the server answers before it closes the connection."""
    with socket.create_connection((HOST, port), timeout=30) as connection:
        connection.sendall(head)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_oversized_headers_get_431_and_the_server_keeps_answering(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    migrate.upgrade(settings)
    with LiveServer(settings, tmp_path, env={"LSC_MAX_HEADER_BYTES": "4096"}) as server:
        huge = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 8192 + b"\r\n\r\n"
        answer = _raw(server.port, huge)
        within = _raw(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert answer.endswith(b"the request line and headers are too large")
    assert within.startswith(b"HTTP/1.1 200 ")


def test_headers_that_stop_arriving_get_408_and_the_connection_closes(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    migrate.upgrade(settings)
    with LiveServer(settings, tmp_path, env={"LSC_HEADER_TIMEOUT_SECONDS": "1"}) as server:
        answer = _raw(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1")  # never finished
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert answer.endswith(b"the request headers took too long to arrive")


BOUNDARY = "lsc-test-boundary"


def _upload_head(port: int, token: str, declared: int | None) -> bytes:
    """Return the head of a self-check page upload: a multipart form, its length declared or sent in chunks."""
    length = f"Content-Length: {declared}" if declared is not None else "Transfer-Encoding: chunked"
    return (
        f"POST /self-check HTTP/1.1\r\nHost: {HOST}:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n{length}\r\n\r\n"
    ).encode()


def _part_head() -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="pack"; filename="pack.json"\r\n'
        "Content-Type: application/json\r\n\r\n"
    ).encode()


def _page_answer(connection: socket.socket) -> tuple[str, str]:
    """Read an HTML answer (its head and Content-Length bytes) and return the status line and the page."""
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = connection.recv(65536)
        if not chunk:
            break
        answer += chunk
    head, _, page = answer.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")),
        0,
    )
    while len(page) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        page += chunk
    return head.split(b"\r\n", 1)[0].decode(), page.decode()


def test_a_self_check_upload_trickled_in_gets_408_before_it_is_all_sent(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    migrate.upgrade(settings)
    declared = 20_000
    with (
        LiveServer(settings, tmp_path, env={"LSC_BODY_TIMEOUT_SECONDS": "1"}) as server,
        socket.create_connection((HOST, server.port), timeout=30) as connection,
    ):
        connection.sendall(_upload_head(server.port, server.tokens[Role.DCC], declared) + _part_head())
        sent = len(_part_head())
        while sent < declared:  # 200 bytes every quarter second: the whole body would take 25 s
            answered, _, _ = select.select([connection], [], [], 0.25)
            if answered:
                break
            connection.sendall(b" " * 200)
            sent += 200
        status, page = _page_answer(connection)
    assert status.startswith("HTTP/1.1 408")
    assert "The file took longer than 1 s to arrive; try again." in page
    assert sent < declared


def test_a_self_check_upload_over_the_limit_gets_413_while_it_arrives(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    migrate.upgrade(settings)
    with LiveServer(settings, tmp_path, env={"LSC_MAX_REQUEST_BYTES": "4096"}) as server:
        token = server.tokens[Role.DCC]
        with socket.create_connection((HOST, server.port), timeout=30) as connection:
            part = _part_head() + b" " * 8192  # no length declared, and more to come: counted as it arrives
            connection.sendall(_upload_head(server.port, token, None) + f"{len(part):x}\r\n".encode() + part + b"\r\n")
            status, page = _page_answer(connection)
        with socket.create_connection((HOST, server.port), timeout=30) as connection:
            connection.sendall(_upload_head(server.port, token, 10_000_000))  # declared: refused before it is sent
            declared_status, declared_page = _page_answer(connection)
    assert status.startswith("HTTP/1.1 413")
    assert "The file is too large: the limit is 4 KiB." in page
    assert declared_status.startswith("HTTP/1.1 413")
    assert "The file is too large: the limit is 4 KiB." in declared_page


def test_a_committee_body_that_stops_arriving_gets_408_and_an_oversize_one_413(tmp_path: Path) -> None:
    """Every route's body is bounded, not only the packs': a condition or assessment cannot be trickled or huge."""
    settings = Settings(data_dir=tmp_path / "data")
    migrate.upgrade(settings)
    env = {"LSC_BODY_TIMEOUT_SECONDS": "1", "LSC_MAX_FORM_BYTES": "4096"}
    with LiveServer(settings, tmp_path, env=env) as server:
        token = server.tokens[Role.PANEL]
        slow = _raw_request(server.port, token, "/v1/conditions", 2_000, b'{"capability": ')
        huge = _raw_request(server.port, token, "/v1/conditions", 8_000, b"{" + b" " * 7_999)
        # without a token too: a body is refused by its size before anyone parses it
        anonymous = _raw_request(server.port, "no-such-token", "/v1/conditions", 2_000_000, b"[" * 100)
    assert slow[0].startswith("HTTP/1.1 408")
    assert slow[1]["code"] == "request_timeout"
    assert anonymous[0].startswith("HTTP/1.1 413")
    assert huge[0].startswith("HTTP/1.1 413")
    assert huge[1] == {
        "code": "payload_too_large",
        "message": "the body is 8000 bytes; the limit is 4096",
        "details": {"limit": 4096},
    }


def test_a_forwarded_for_header_does_not_get_round_the_limit_on_refused_requests(tmp_path: Path) -> None:
    """Unless the deployment names its reverse proxies, X-Forwarded-For is not believed, whoever sends it."""
    settings = Settings(data_dir=tmp_path / "data")
    migrate.upgrade(settings)
    with LiveServer(settings, tmp_path, env={"LSC_FAILED_AUTH_PER_MINUTE": "5"}) as server, server.client() as client:
        statuses = [
            client.get(
                "/v1/criteria", headers={"Authorization": "Bearer lsc_wrong", "X-Forwarded-For": f"10.0.0.{n}"}
            ).status_code
            for n in range(12)
        ]
    # Twelve requests span at most two minutes of five refusals each: however the minutes fall, some get 429.
    assert set(statuses) == {401, 429}
    assert statuses.count(401) <= 10
