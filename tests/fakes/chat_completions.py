"""An OpenAI-compatible chat-completions endpoint on 127.0.0.1, strict about the
request as the API reference describes it (POST /v1/chat/completions, a Bearer key,
`model` and `messages` with `role` and `content`), answering in the documented
shape: {"id", "object": "chat.completion", "created", "model", "choices": [{"index",
"message": {"role": "assistant", "content"}, "finish_reason": "stop"}], "usage"}.
Source: https://platform.openai.com/docs/api-reference/chat/create (the response
object: https://platform.openai.com/docs/api-reference/chat/object).

What it answers is scripted: `reply(content)` (the message content, a string), or
`fail(status)`, `stall(seconds)`, `raw(body)` (a body that is not the API's JSON).
It records every request body it accepted."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROLES = {"system", "user", "assistant", "developer", "tool"}


class FakeChatCompletions:
    def __init__(self, key: str = "sk-test"):
        self.key = key
        self.requests: list[dict] = []
        self.mode: tuple = ("reply", json.dumps({"wants": "ok", "steps": []}))
        self.server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def reply(self, content: str) -> None:
        self.mode = ("reply", content)

    def fail(self, status: int) -> None:
        self.mode = ("fail", status)

    def stall(self, seconds: float) -> None:
        self.mode = ("stall", seconds)

    def raw(self, body: bytes) -> None:
        self.mode = ("raw", body)

    def start(self) -> "FakeChatCompletions":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: bytes, kind="application/json"):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                error = fake.check(self.path, self.headers, body)
                if error:
                    status, message = error
                    payload = {
                        "error": {"message": message, "type": "invalid_request_error"}
                    }
                    return self._send(status, json.dumps(payload).encode())
                fake.requests.append(json.loads(body))
                kind, value = fake.mode
                if kind == "fail":
                    return self._send(value, b'{"error": {"message": "server error"}}')
                if kind == "raw":
                    return self._send(200, value)
                if kind == "stall":
                    time.sleep(value)
                    value = json.dumps({"wants": "late", "steps": []})
                return self._send(200, json.dumps(completion(value)).encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def check(self, path: str, headers, body: bytes) -> tuple[int, str] | None:
        if path != "/v1/chat/completions":
            return 404, f"Unknown path {path}"
        if headers.get("Authorization") != f"Bearer {self.key}":
            return 401, "Incorrect API key provided."
        try:
            request = json.loads(body)
        except ValueError:
            return 400, "We could not parse the JSON body of your request."
        messages = request.get("messages")
        if not isinstance(request.get("model"), str) or not messages:
            return 400, "'model' and 'messages' are required."
        for message in messages:
            if message.get("role") not in ROLES or not isinstance(
                message.get("content"), str
            ):
                return 400, "Each message needs a role and string content."
        return None

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


def completion(content: str) -> dict:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "test-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }
