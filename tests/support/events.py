"""A Server-Sent Events client for the tests: what a browser's EventSource parses.

https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
"""

import json
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Message:
    """One dispatched block: an event (`kind` and `data`), or only an id, retry or comment."""

    kind: str | None = None
    data: dict | None = None
    id: str | None = None
    retry: int | None = None
    comment: bool = False


@dataclass
class EventStream:
    """GET `url` as EventSource does, and read its blocks one at a time.

    On a plain socket, so that a read that times out leaves it usable (http.client's
    does not); a chunked body is decoded as it arrives.
    """

    url: str
    headers: dict = field(default_factory=dict)
    timeout: float = 10

    def __post_init__(self):
        parts = urlsplit(self.url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=self.timeout)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {
            "Host": f"{parts.hostname}:{parts.port}",
            "Accept": "text/event-stream",
            "Cache-Control": "no-cache",
            **self.headers,
        }
        request = f"GET {path} HTTP/1.1\r\nConnection: close\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()
        )
        self.sock.sendall((request + "\r\n").encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        self.status = int(status_line.split()[1])
        self.response_headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            self.response_headers[name.strip().lower()] = value.strip()
        self.chunked = self.header("Transfer-Encoding") == "chunked"
        self.raw, self.buffer = self.buffer, b""
        self.last_id: str | None = None
        self.ended = False
        self._decode()

    def header(self, name: str) -> str | None:
        return self.response_headers.get(name.lower())

    def body(self) -> bytes:
        """The whole body of a refusal (a status other than 200)."""
        while not self.ended:
            self._receive(self.timeout)
        body, self.buffer = self.buffer, b""
        return body

    def _receive(self, timeout: float) -> bool:
        """Read what arrives within `timeout` into the buffer; whether anything did."""
        self.sock.settimeout(max(timeout, 0.001))
        try:
            chunk = self.sock.recv(65536)
        except TimeoutError:
            return False
        if not chunk:
            self.ended = True
            return False
        self.raw += chunk
        self._decode()
        return True

    def _decode(self) -> None:
        """Move the complete chunks (or, unchunked, everything) from `raw` to `buffer`."""
        if not self.chunked:
            self.buffer, self.raw = self.buffer + self.raw, b""
            return
        while b"\r\n" in self.raw:
            size_line, _, rest = self.raw.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if len(rest) < size + 2:
                return
            if size == 0:
                self.ended = True
            self.buffer += rest[:size]
            self.raw = rest[size + 2 :]

    def _line(self, deadline: float) -> str | None:
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            received = not self.ended and remaining > 0 and self._receive(remaining)
            if not received and (self.ended or deadline - time.monotonic() <= 0):
                return None
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode().rstrip("\r")

    def next(self, timeout: float = 5) -> Message | None:
        """The next block, or None when none comes within `timeout` or the stream ends."""
        deadline = time.monotonic() + timeout
        message, data = Message(), []
        while True:
            line = self._line(deadline)
            if line is None:
                return None
            if line == "":
                if data:
                    message.data = json.loads("\n".join(data))
                if message.id is not None:
                    self.last_id = message.id
                return message
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                message.comment = True
            elif name == "event":
                message.kind = value
            elif name == "data":
                data.append(value)
            elif name == "id":
                message.id = value
            elif name == "retry":
                message.retry = int(value)

    def events(self, seconds: float) -> list[Message]:
        """The events (blocks with a type) that arrive within `seconds`."""
        deadline = time.monotonic() + seconds
        found = []
        while (remaining := deadline - time.monotonic()) > 0:
            message = self.next(remaining)
            if message is None:
                break
            if message.kind:
                found.append(message)
        return found

    def wait_for(self, kind: str, timeout: float = 5) -> Message | None:
        """The next event of `kind`, skipping others, within `timeout`."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            message = self.next(remaining)
            if message is None:
                return None
            if message.kind == kind:
                return message
        return None

    def ready(self, timeout: float = 5) -> str | None:
        """Read up to the first id (the stream's starting position); that id."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            message = self.next(remaining)
            if message is None:
                return None
            if message.id is not None:
                return message.id
        return None

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> "EventStream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
