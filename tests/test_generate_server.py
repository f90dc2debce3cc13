"""The OpenAI-compatible server backend against real HTTP servers on 127.0.0.1.

A real llama-cpp-python server serving the embedded GGUF generates a world end to end (built by
``scripts/build_llama_cpp.sh``; missing, the test fails). Small stdlib HTTP servers written here
stand in for a server that answers garbage, one that fails and then recovers, and one that checks
the API key, to pin the backend's errors, retries and key handling.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from engine.cli import main
from engine.rules import load_world
from generators.backends.base import BackendError, GenerationRequest
from generators.backends.server import ServerBackend
from generators.embedded import embedded_gguf_path

pytestmark = pytest.mark.lm


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    import llama_cpp.server  # noqa: F401  (fail here, clearly, if it was not built)

    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(embedded_gguf_path()),
            "--host", "127.0.0.1", "--port", str(port),
            "--n_threads", "1", "--n_ctx", "4096",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url + "/models", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "llama-cpp-python's server did not start: "
                        + (process.stderr.read().decode()[-2000:] if process.stderr else "")
                    ) from None
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_server_generates_a_world_that_passes_check(llama_server: str, tmp_path: Path) -> None:
    out = tmp_path / "served.toml"
    argv = ["generate", "a desert where gravity pushes things apart", "--out", str(out)]
    code = main([*argv, "--server", llama_server, "--concurrency", "2", "--no-progress"])
    assert code == 0
    assert main(["check", str(out)]) == 0
    lineage = load_world(out).meta.lineage
    assert lineage.settings["backend"] == "server"
    assert lineage.model.endswith(".gguf")


def test_server_answers_concurrent_requests_in_order(llama_server: str) -> None:
    backend = ServerBackend(llama_server, concurrency=3, timeout=300)
    schema = {
        "type": "object",
        "properties": {"word": {"type": "string", "enum": ["alpha", "beta", "gamma"]}},
        "required": ["word"],
        "additionalProperties": False,
    }
    requests = [
        GenerationRequest(
            messages=[{"role": "user", "content": f"Answer with the word {word}."}],
            schema=schema,
            max_tokens=20,
            temperature=0.0,
            seed=index,
        )
        for index, word in enumerate(["alpha", "beta", "gamma"])
    ]
    results = backend.generate(requests)
    assert [result.error for result in results] == [None, None, None]
    assert all(json.loads(result.text)["word"] in ("alpha", "beta", "gamma") for result in results)


class _Stub(BaseHTTPRequestHandler):
    """Answers by ``server.behaviour``: "garbage", "flaky" (503 twice, then a completion) or
    "auth" (401 unless the right key is sent)."""

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._send(200, json.dumps({"data": [{"id": "stub-model"}]}).encode())

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        server = self.server
        server.calls += 1  # type: ignore[attr-defined]
        behaviour = server.behaviour  # type: ignore[attr-defined]
        completion = json.dumps(
            {
                "choices": [{"message": {"content": '{"ok":true}'}, "finish_reason": "stop"}],
                "usage": {"completion_tokens": 4},
            }
        ).encode()
        if behaviour == "garbage":
            self._send(200, b"<html>not an API</html>")
        elif behaviour == "flaky" and server.calls <= 2:  # type: ignore[attr-defined]
            self._send(503, b"busy")
        elif behaviour == "auth" and self.headers.get("Authorization") != "Bearer sekrit-key":
            self._send(401, b"bad key")
        else:
            self._send(200, completion)


@pytest.fixture
def stub() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    server.calls = 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/v1"


REQUEST = GenerationRequest(messages=[{"role": "user", "content": "hi"}], schema=None)


def test_garbage_answer_is_a_clear_error(stub: ThreadingHTTPServer) -> None:
    stub.behaviour = "garbage"  # type: ignore[attr-defined]
    result = ServerBackend(_url(stub), retries=0).generate([REQUEST])[0]
    assert result.error is not None and "not JSON" in result.error


def test_transient_failures_are_retried_with_backoff(stub: ThreadingHTTPServer) -> None:
    stub.behaviour = "flaky"  # type: ignore[attr-defined]
    backend = ServerBackend(_url(stub), retries=3, backoff=0.05)
    assert backend.model_name == "stub-model"
    result = backend.generate([REQUEST])[0]
    assert result.error is None and result.text == '{"ok":true}' and result.tokens == 4
    assert stub.calls == 3  # type: ignore[attr-defined]
    stub.calls = 0  # type: ignore[attr-defined]
    gave_up = ServerBackend(_url(stub), retries=1, backoff=0.05).generate([REQUEST])[0]
    assert gave_up.error is not None and "gave up after 2 tries" in gave_up.error


def test_api_key_comes_from_the_environment_and_never_shows(
    stub: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    stub.behaviour = "auth"  # type: ignore[attr-defined]
    monkeypatch.setenv("MY_KEY", "wrong-sekrit")
    refused = ServerBackend(_url(stub), api_key_env="MY_KEY", retries=0).generate([REQUEST])[0]
    assert refused.error is not None and "HTTP 401" in refused.error
    assert "sekrit" not in refused.error
    monkeypatch.setenv("MY_KEY", "sekrit-key")
    backend = ServerBackend(_url(stub), api_key_env="MY_KEY", retries=0)
    assert backend.generate([REQUEST])[0].error is None
    assert "sekrit" not in json.dumps(backend.describe())


def test_server_that_is_down_fails_without_writing(tmp_path: Path) -> None:
    with pytest.raises(BackendError, match="cannot reach the server"):
        ServerBackend(f"http://127.0.0.1:{_free_port()}/v1", retries=1, backoff=0.05)
    out = tmp_path / "x.toml"
    argv = ["generate", "bells", "--out", str(out), "--retries", "0"]
    assert main([*argv, "--server", f"http://127.0.0.1:{_free_port()}/v1"]) == 1
    assert not out.exists()
