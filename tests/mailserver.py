"""A real SMTP server on 127.0.0.1 for tests: messages go over a socket, as in production.

aiosmtpd is used when it is installed (DESIGN.md's choice). Until it is, a small SMTP server
built on the standard library's socketserver stands in: enough SMTP (EHLO/HELO, MAIL, RCPT,
DATA, RSET, NOOP, QUIT) for Django's SMTP backend.
"""

import email
import email.policy
import socket
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)

    def attachments(self) -> list[tuple[str, str, bytes]]:
        """(file name, content type, bytes) of each attachment."""
        return [
            (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
            for part in self.message.iter_attachments()
        ]


@dataclass
class MailServer:
    host: str = "127.0.0.1"
    port: int = 0
    received: list[Received] = field(default_factory=list)
    # Recipients refused with a permanent error (550), as a real server refuses a bad mailbox.
    refuse: set[str] = field(default_factory=set)
    kind: str = ""
    _stop: object = None

    def stop(self) -> None:
        if self._stop:
            self._stop()


def free_port() -> int:
    """A port nothing listens on (used as a mail server that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_aiosmtpd(server: MailServer) -> MailServer:
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):
            if address in server.refuse:
                return "550 5.1.1 Mailbox unavailable"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, smtp, session, envelope):
            content = envelope.original_content or envelope.content
            server.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), content))
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname=server.host, port=free_port())
    controller.start()
    server.port = controller.port
    server.kind = "aiosmtpd"
    server._stop = controller.stop
    return server


class _Session(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        server: MailServer = self.server.mail
        self.reply("220 127.0.0.1 test SMTP ready")
        mail_from, rcpt_tos = "", []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("utf-8", "replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 127.0.0.1")
            elif verb == "MAIL":
                mail_from, rcpt_tos = command.split(":", 1)[1].strip().strip("<>"), []
                self.reply("250 OK")
            elif verb == "RCPT":
                address = command.split(":", 1)[1].strip().split()[0].strip("<>")
                if address in server.refuse:
                    self.reply("550 5.1.1 Mailbox unavailable")
                else:
                    rcpt_tos.append(address)
                    self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    data = self.rfile.readline()
                    if data in (b".\r\n", b".\n", b""):
                        break
                    # The client doubled every leading dot ("dot-stuffing"); undo it.
                    lines.append(data[1:] if data.startswith(b".") else data)
                server.received.append(Received(mail_from, rcpt_tos, b"".join(lines)))
                self.reply("250 Message accepted for delivery")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


def _start_stdlib(server: MailServer) -> MailServer:
    tcp = socketserver.ThreadingTCPServer((server.host, 0), _Session)
    tcp.daemon_threads = True
    tcp.mail = server
    thread = threading.Thread(target=tcp.serve_forever, daemon=True)
    thread.start()
    server.port = tcp.server_address[1]
    server.kind = "socketserver"

    def stop():
        tcp.shutdown()
        tcp.server_close()

    server._stop = stop
    return server


def mail_server_start() -> MailServer:
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        return _start_stdlib(MailServer())
    return _start_aiosmtpd(MailServer())
