"""The text log format: one record, one line, whatever a client put in it.

A path may hold `%0a` (request.path decodes it to a newline), a login form a
username with one: written as they are, they would start a line that reads
like a record of its own. LOG_FORMAT=json escapes them by being JSON; this
formatter escapes control characters in the text format's line. A
traceback still follows on lines of its own.
https://docs.python.org/3/library/logging.html#logging.Formatter.formatMessage
"""

import logging

# C0 controls but the tab, DEL, and what some readers take as a line break.
ESCAPES = {
    **{code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F, 0x85) if code != 0x09},
    0x0A: "\\n",
    0x0D: "\\r",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


class SingleLineFormatter(logging.Formatter):
    def formatMessage(self, record):
        return super().formatMessage(record).translate(ESCAPES)
