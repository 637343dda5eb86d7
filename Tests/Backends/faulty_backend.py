"""A deliberately misbehaving gRPC server for fault tests, built on the pure-Python h2
library (an HTTP/2 implementation independent of grpcio and of Manifold's own).

Usage: faulty_backend.py [--port N] [--exit-with-stdin] [--stream-window BYTES]
                         [--tls-cert PEM --tls-key PEM [--alpn PROTO]]
       (prints `LISTENING <port>` when ready)

Any service is accepted; the last segment of :path picks the behaviour, so one process
serves every mode:
  Ok                echo the first request message (decompressed if it came gzipped),
                    grpc-status 0; trailer x-request-compressed says whether it was
  MalformedPrefix   a message whose compressed-flag byte is 7, then grpc-status 0
  TruncatedMessage  a prefix declaring 100 bytes, only 10 of them, then grpc-status 0
  HugeDeclared      a prefix declaring 0x7FFFFFFF bytes, a few bytes, and the stream stays open
  Stall             response headers, then nothing until the client resets
  StallNoHeaders    nothing at all until the client resets
  GoAway            GOAWAY(NO_ERROR, last stream id so far) at once, the Ok answer 200 ms
                    later, then the connection closes once its accepted streams are answered;
                    streams opened after the GOAWAY are refused with REFUSED_STREAM
  Reset             RST_STREAM(INTERNAL_ERROR) right after the request headers
  Garbage           64 bytes that are not HTTP/2, then the connection closes
  CloseMidStream    response headers and half a message, then the connection closes
  NoStatus          headers, one message, END_STREAM trailers without grpc-status
  HugeHeaders       response headers carrying a 32 KiB custom field (past the client's
                    16 KiB header-list limit), then the Ok answer
  EndlessHeaders    response headers of 96 fields of 1 KiB each (far past the limit, within
                    the 8 CONTINUATION frames nghttp2 accepts before it closes the connection),
                    then the Ok answer
anything else       grpc-status 12 (UNIMPLEMENTED)

/manifold.test.Stats/{Connections,OpenConnections,OpenStreams} answer a decimal count as a
raw message. Like grpc_backend's Peers, they leave out the test's own stats queries: a
connection whose first call is a Stats call is not counted, nor are Stats streams. So
Connections counts the other TCP connections ever accepted, OpenConnections those still
open, OpenStreams the other streams opened and not yet closed or reset on any connection.
"""

import argparse
import gzip
import os
import signal
import socket
import ssl
import threading
import time

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings
from hyperframe.frame import GoAwayFrame

STATS_PREFIX = "/manifold.test.Stats/"
MAX_WINDOW = 2**31 - 1
GOAWAY_ANSWER_DELAY = 0.2  # seconds
LINGER = 2.0  # seconds to drain the peer's input after we stop writing


class Stats:
    """Process-wide counters. The lock is a leaf: never held while taking another."""

    def __init__(self):
        self.lock = threading.Lock()
        self.connections = 0
        self.open_connections = 0
        self.open_streams = 0

    def add(self, connections=0, open_connections=0, open_streams=0):
        with self.lock:
            self.connections += connections
            self.open_connections += open_connections
            self.open_streams += open_streams

    def value(self, name):
        with self.lock:
            return {"Connections": self.connections,
                    "OpenConnections": self.open_connections,
                    "OpenStreams": self.open_streams}.get(name)


STATS = Stats()


def grpc_message(body):
    return b"\x00" + len(body).to_bytes(4, "big") + body


class Stream:
    def __init__(self, stream_id, headers):
        self.id = stream_id
        self.headers = headers
        self.path = headers.get(":path", "")
        self.mode = self.path.rsplit("/", 1)[-1]
        self.counted = not self.path.startswith(STATS_PREFIX)
        self.body = bytearray()
        self.remote_ended = False
        self.local_ended = False
        self.closed = False
        self.pending = bytearray()  # DATA waiting for flow-control window
        self.pending_trailers = None  # sent with END_STREAM once pending is drained


class Connection:
    """One client connection, served by its own thread. Every use of the h2 state and the
    socket's write side holds self.lock (timers answer from other threads)."""

    def __init__(self, sock, stream_window):
        self.sock = sock
        self.lock = threading.RLock()
        self.h2 = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        # Large windows, so flow control never shapes a fault test by accident, unless a
        # test asks for a small stream window to make the client send in pieces.
        self.h2.local_settings = h2.settings.Settings(client=False, initial_values={
            h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: stream_window,
            h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 1000,
        })
        self.streams = {}
        self.highest_stream_id = 0
        self.goaway_last_id = None  # set once GOAWAY was sent
        self.counted = True  # False for a connection that began with a Stats call
        self.had_request = False
        self.closing = False
        self.close_deadline = 0.0

    # -- running -------------------------------------------------------------

    def run(self):
        STATS.add(connections=1, open_connections=1)
        try:
            with self.lock:
                self.h2.initiate_connection()
                self.h2.increment_flow_control_window(MAX_WINDOW - 65535)
                self.flush()
            # A short timeout so a close requested by a timer thread is noticed, and the
            # drain after it is bounded.
            self.sock.settimeout(0.1)
            while not (self.closing and time.monotonic() > self.close_deadline):
                try:
                    data = self.sock.recv(65536)
                except TimeoutError:
                    continue
                if not data:
                    break
                with self.lock:
                    if self.closing:
                        continue  # draining until the peer closes too
                    try:
                        for event in self.h2.receive_data(data):
                            self.handle(event)
                    except h2.exceptions.ProtocolError:
                        self.flush()  # the GOAWAY h2 queued to explain the error
                        self.close()
                    self.flush()
        except OSError:
            pass  # reset by the peer
        finally:
            with self.lock:
                self.closing = True
                for stream in list(self.streams.values()):
                    self.end_stream(stream)
            self.sock.close()
            if self.counted:
                STATS.add(open_connections=-1)

    def flush(self):
        data = self.h2.data_to_send()
        if data and not self.closing:
            try:
                self.sock.sendall(data)
            except OSError:
                self.close()

    def close(self):
        """Stops writing (FIN after anything queued) and lets run() drain the peer's input,
        so a close lands as EOF after our last bytes rather than as a reset that could
        overtake them."""
        if not self.closing:
            self.close_deadline = time.monotonic() + LINGER  # before closing: run() reads both
            self.closing = True
            try:
                self.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    # -- streams -------------------------------------------------------------

    def end_stream(self, stream):
        """Forgets a stream that is closed either way (both sides ended, or reset)."""
        if stream.closed:
            return
        stream.closed = True
        del self.streams[stream.id]
        if stream.counted:
            STATS.add(open_streams=-1)
        if self.goaway_last_id is not None and not self.streams:
            self.flush()
            self.close()  # every stream accepted before the GOAWAY is answered

    def handle(self, event):
        if isinstance(event, h2.events.RequestReceived):
            self.request_started(event.stream_id, dict(event.headers))
            return
        if isinstance(event, (h2.events.WindowUpdated, h2.events.RemoteSettingsChanged)):
            self.send_pending()
            return
        if isinstance(event, h2.events.ConnectionTerminated):
            # The client's GOAWAY. h2 refuses to send anything after one, even on streams
            # already open, so there is nothing left to do but close.
            self.close()
            return
        stream = self.streams.get(getattr(event, "stream_id", None))
        if isinstance(event, h2.events.DataReceived):
            self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            if stream is not None:
                stream.body += event.data
        elif isinstance(event, h2.events.StreamEnded) and stream is not None:
            stream.remote_ended = True
            self.request_ended(stream)
            if stream.local_ended:
                self.end_stream(stream)
        elif isinstance(event, h2.events.StreamReset) and stream is not None:
            self.end_stream(stream)

    def request_started(self, stream_id, headers):
        self.highest_stream_id = max(self.highest_stream_id, stream_id)
        if self.goaway_last_id is not None and stream_id > self.goaway_last_id:
            self.h2.reset_stream(stream_id, h2.errors.ErrorCodes.REFUSED_STREAM)
            return
        stream = Stream(stream_id, headers)
        if not self.had_request and not stream.counted:
            # The first call on this connection is a stats query: leave the connection out.
            self.counted = False
            STATS.add(connections=-1, open_connections=-1)
        self.had_request = True
        self.streams[stream_id] = stream
        if stream.counted:
            STATS.add(open_streams=1)

        if stream.mode == "Reset":
            self.h2.reset_stream(stream_id, h2.errors.ErrorCodes.INTERNAL_ERROR)
            self.end_stream(stream)
        elif stream.mode == "Stall":
            self.send_headers(stream)
        elif stream.mode == "GoAway" and self.goaway_last_id is None:
            # h2 treats a sent GOAWAY as the end of the connection and would refuse to send
            # the answer after it, so the frame is written around h2's back.
            self.flush()
            self.goaway_last_id = self.highest_stream_id
            frame = GoAwayFrame(0, last_stream_id=self.goaway_last_id, error_code=0)
            self.sock.sendall(frame.serialize())
        elif stream.mode == "Garbage":
            self.flush()
            self.sock.sendall(bytes(range(0xC0, 0x100)))  # 64 bytes, no valid frame header
            self.close()

    def request_ended(self, stream):
        mode = stream.mode
        if stream.path.startswith(STATS_PREFIX):
            count = STATS.value(mode)
            if count is None:
                self.send_status(stream, 12, "no such stats method")
            else:
                self.send_headers(stream)
                self.send_data(stream, grpc_message(str(count).encode()), [("grpc-status", "0")])
        elif mode == "Ok":
            self.answer_ok(stream)
        elif mode == "GoAway":
            timer = threading.Timer(GOAWAY_ANSWER_DELAY, self.answer_later, (stream,))
            timer.daemon = True
            timer.start()
        elif mode == "MalformedPrefix":
            self.send_headers(stream)
            self.send_data(stream, b"\x07" + (5).to_bytes(4, "big") + b"hello",
                           [("grpc-status", "0")])
        elif mode == "TruncatedMessage":
            self.send_headers(stream)
            self.send_data(stream, b"\x00" + (100).to_bytes(4, "big") + bytes(10),
                           [("grpc-status", "0")])
        elif mode == "HugeDeclared":
            self.send_headers(stream)
            self.send_data(stream, b"\x00" + (0x7FFFFFFF).to_bytes(4, "big") + b"abcd")
        elif mode == "CloseMidStream":
            self.send_headers(stream)
            whole = grpc_message(b"0123456789abcdef")
            self.send_data(stream, whole[:len(whole) // 2])
            self.flush()
            self.close()
        elif mode in ("HugeHeaders", "EndlessHeaders"):
            extra = [("x-huge", "h" * (32 << 10))] if mode == "HugeHeaders" \
                else [("x-field-%d" % i, "f" * 1024) for i in range(96)]
            self.h2.send_headers(stream.id, [(":status", "200"), ("content-type", "application/grpc")] + extra)
            self.send_data(stream, grpc_message(b"after huge headers"), [("grpc-status", "0")])
        elif mode == "NoStatus":
            self.send_headers(stream)
            self.send_data(stream, grpc_message(b"no status follows"),
                           [("x-note", "trailers without grpc-status")])
        elif mode not in ("Stall", "StallNoHeaders", "Reset", "Garbage"):
            self.send_status(stream, 12, "unknown fault mode " + mode)

    def answer_later(self, stream):
        with self.lock:
            if not stream.closed and not self.closing:
                self.answer_ok(stream)
                self.flush()

    def answer_ok(self, stream):
        body = bytes(stream.body)
        flag, length, message = (body[0], int.from_bytes(body[1:5], "big"), body[5:]) \
            if len(body) >= 5 else (0, 0, b"")
        message = message[:length]  # the first message only
        if flag == 1:
            if stream.headers.get("grpc-encoding") != "gzip":
                self.send_status(stream, 12, "only gzip is supported")
                return
            try:
                message = gzip.decompress(message)
            except (OSError, EOFError) as error:
                self.send_status(stream, 13, "bad gzip message: %s" % error)
                return
        self.send_headers(stream)
        self.send_data(stream, grpc_message(message),
                       [("grpc-status", "0"), ("x-request-compressed", str(flag))])

    # -- sending -------------------------------------------------------------

    def send_headers(self, stream):
        self.h2.send_headers(stream.id, [(":status", "200"), ("content-type", "application/grpc")])

    def send_status(self, stream, code, message):
        """A trailers-only response."""
        self.h2.send_headers(stream.id, [(":status", "200"), ("content-type", "application/grpc"),
                                         ("grpc-status", str(code)), ("grpc-message", message)],
                             end_stream=True)
        self.local_end(stream)

    def send_data(self, stream, data, trailers=None):
        """Queues DATA and, when trailers are given, END_STREAM trailers after it."""
        stream.pending += data
        stream.pending_trailers = trailers
        self.send_pending()

    def send_pending(self):
        """Sends queued DATA as far as the peer's flow-control windows allow."""
        for stream in list(self.streams.values()):
            while stream.pending:
                size = min(len(stream.pending), self.h2.max_outbound_frame_size,
                           self.h2.local_flow_control_window(stream.id))
                if size <= 0:
                    break
                self.h2.send_data(stream.id, bytes(stream.pending[:size]))
                del stream.pending[:size]
            if not stream.pending and stream.pending_trailers is not None:
                self.h2.send_headers(stream.id, stream.pending_trailers, end_stream=True)
                stream.pending_trailers = None
                self.local_end(stream)

    def local_end(self, stream):
        stream.local_ended = True
        if stream.remote_ended:
            self.end_stream(stream)


def serve_connection(sock, tls, stream_window):
    """One accepted connection, over TLS when `tls` is set (the handshake runs here, off
    the accepting thread)."""
    if tls is not None:
        try:
            sock = tls.wrap_socket(sock, server_side=True)
        except (OSError, ssl.SSLError):
            sock.close()
            return
    Connection(sock, stream_window).run()


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0,
                        help="port on 127.0.0.1 (0 picks a free one; default %(default)s)")
    parser.add_argument("--exit-with-stdin", action="store_true",
                        help="exit when stdin closes, so a test harness that dies takes us with it")
    parser.add_argument("--stream-window", type=int, default=MAX_WINDOW,
                        help="SETTINGS_INITIAL_WINDOW_SIZE: how much a client may send on a "
                             "stream before we acknowledge it (default %(default)s)")
    parser.add_argument("--tls-cert", help="serve TLS with this PEM certificate chain")
    parser.add_argument("--tls-key", help="the PEM private key of --tls-cert")
    parser.add_argument("--alpn", default="h2",
                        help="the one ALPN protocol TLS agrees to; anything but h2 leaves a "
                             "gRPC client without HTTP/2 (default %(default)s)")
    args = parser.parse_args()
    tls = None
    if args.tls_cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
        tls.set_alpn_protocols([args.alpn])

    # As in grpc_backend.serve: both signals raise KeyboardInterrupt in the main thread,
    # and a parent may have started us with them blocked or ignored.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.default_int_handler)

    listener = socket.create_server(("127.0.0.1", args.port))
    print("LISTENING %d" % listener.getsockname()[1], flush=True)
    if args.exit_with_stdin:
        def watch():
            while os.read(0, 4096):
                pass
            # The harness is gone: leave now. A signal to ourselves would not do: any thread
            # may take it, and then accept() in the main thread never wakes, and we would
            # outlive the harness holding its output pipe open.
            os._exit(0)
        threading.Thread(target=watch, daemon=True).start()
    try:
        while True:
            sock, _ = listener.accept()
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=serve_connection, args=(sock, tls, args.stream_window), daemon=True).start()
    except KeyboardInterrupt:
        pass
    finally:
        listener.close()


if __name__ == "__main__":
    main()
