"""The production server's worker: uvicorn's, with gunicorn's bound on the request line.

uvicorn's httptools protocol buffers a request line of any length; gunicorn's own
workers refused one over `limit_request_line` (8190 bytes, its maximum) before it
reached Django. This protocol keeps that bound and answers 414 in the API's error
shape (media.api.exceptions), which gunicorn's HTML page was not.
"""

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn_worker import UvicornWorker

# Method, target and "HTTP/1.1", with their two spaces: gunicorn's measure.
MAX_REQUEST_LINE = 8190


class RequestLineTooLong(Exception):
    pass


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    too_long = False

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        method = self.parser.get_method() or b""
        if len(method) + len(self.url) + len(" HTTP/1.1") + 1 > MAX_REQUEST_LINE:
            self.too_long = True
            raise RequestLineTooLong  # httptools stops parsing; uvicorn answers below

    def send_400_response(self, msg: str) -> None:
        if not self.too_long:
            return super().send_400_response(msg)
        from media.api.exceptions import ErrorShape, error_body  # Django is set up by now

        body = orjson.dumps(
            error_body(
                ErrorShape.READ,
                "URI Too Long",
                f"The request line is longer than {MAX_REQUEST_LINE} bytes.",
            )
        )
        self.transport.write(
            # RFC 9110's reason phrase (Python before 3.13 names it Request-URI Too Long).
            b"HTTP/1.1 414 URI Too Long\r\n"
            + b"content-type: application/json\r\n"
            + b"content-length: "
            + str(len(body)).encode()
            + b"\r\n"
            + b"connection: close\r\n\r\n"
            + body
        )
        self.transport.close()


class Worker(UvicornWorker):
    CONFIG_KWARGS = {"loop": "auto", "http": "config.workers:BoundedHttpToolsProtocol"}
