"""Shared plumbing for the Python gRPC backends used by Manifold's tests and examples.

Protos are compiled at start-up with grpc_tools' protoc into a temporary
directory, so no generated code is committed. Every server also answers
raw-bytes methods under /manifold.test.Stats/ (Peers, Calls, MaxInFlight,
Cancelled, Reset), which let a test see how many distinct connections reached
the backend's real methods, how many calls they made, how many ran at once,
and how many the client cancelled; and SetServing, which sets what the
standard grpc.health.v1.Health service (grpcio-health-checking) answers.
"""

import argparse
import atexit
import importlib
import os
import shutil
import signal
import sys
import tempfile
import threading
from concurrent import futures

import grpc
import grpc_tools
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_tools import protoc

STATS_SERVICE = "manifold.test.Stats"


def load_protos(proto_root, proto_files):
    """Compiles proto_files (paths relative to proto_root) and imports them.

    Returns one (pb2, pb2_grpc) module pair per file, in the order given.
    """
    out_dir = tempfile.mkdtemp(prefix="manifold-protos-")
    atexit.register(shutil.rmtree, out_dir, ignore_errors=True)
    well_known = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    args = [
        "grpc_tools.protoc",  # argv[0], ignored by protoc
        "-I", proto_root,
        "-I", well_known,
        "--python_out=" + out_dir,
        "--grpc_python_out=" + out_dir,
        *proto_files,
    ]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed for %s" % ", ".join(proto_files))

    # Generated modules import each other by package path (e.g.
    # `from shop.catalog.v1 import catalog_pb2`), resolved as namespace packages.
    sys.path.insert(0, out_dir)
    importlib.invalidate_caches()
    modules = []
    for proto in proto_files:
        base = proto[: -len(".proto")].replace("/", ".")
        modules.append((importlib.import_module(base + "_pb2"),
                        importlib.import_module(base + "_pb2_grpc")))
    return modules


class PeerRecorder(grpc.ServerInterceptor):
    """Records, for every call except the Stats methods themselves: the peer, how many
    calls are in flight at once (and the peak), and how many ended cancelled by the client."""

    def __init__(self):
        self._lock = threading.Lock()
        self._peers = set()
        self._in_flight = 0
        self._max_in_flight = 0
        self._cancelled = 0
        self._calls = 0

    def count(self):
        with self._lock:
            return len(self._peers)

    def calls(self):
        with self._lock:
            return self._calls

    def max_in_flight(self):
        with self._lock:
            return self._max_in_flight

    def cancelled(self):
        with self._lock:
            return self._cancelled

    def reset(self):
        with self._lock:
            self._peers.clear()
            self._max_in_flight = self._in_flight
            self._cancelled = 0
            self._calls = 0

    def _begin(self, context):
        with self._lock:
            self._peers.add(context.peer())
            self._in_flight += 1
            self._calls += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)

    def _end(self, context):
        with self._lock:
            self._in_flight -= 1
            if not context.is_active():
                self._cancelled += 1

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or method.startswith("/" + STATS_SERVICE + "/") or method.startswith("/grpc.health.v1."):
            return handler
        # The interceptor API has no access to the call context, so wrap the
        # behaviour function of whichever kind of handler this is.
        wrapped = {}
        for kind in ("unary_unary", "unary_stream", "stream_unary", "stream_stream"):
            behaviour = getattr(handler, kind)
            if behaviour is not None:
                wrapped[kind] = self._wrap(behaviour, streaming=kind.endswith("_stream"))
        return handler._replace(**wrapped)

    def _wrap(self, behaviour, streaming):
        if streaming:
            # A streaming behaviour returns a generator at once and runs as it is iterated,
            # so the call is in flight until the generator finishes or is closed.
            def recorded_stream(request, context):
                self._begin(context)
                try:
                    yield from behaviour(request, context)
                finally:
                    self._end(context)
            return recorded_stream

        def recorded(request, context):
            self._begin(context)
            try:
                return behaviour(request, context)
            finally:
                self._end(context)
        return recorded


def _stats_handler(recorder, health_servicer):
    def peers(_request, _context):
        return str(recorder.count()).encode("utf-8")

    def reset(_request, _context):
        recorder.reset()
        return b""

    def calls(_request, _context):
        return str(recorder.calls()).encode("utf-8")

    def set_serving(request, _context):
        status = health_pb2.HealthCheckResponse.ServingStatus.Value(request.decode("utf-8"))
        health_servicer.set("", status)
        return b""

    def max_in_flight(_request, _context):
        return str(recorder.max_in_flight()).encode("utf-8")

    def cancelled(_request, _context):
        return str(recorder.cancelled()).encode("utf-8")

    # No (de)serializers: requests and replies are raw bytes.
    raw = dict(request_deserializer=None, response_serializer=None)
    return grpc.method_handlers_generic_handler(STATS_SERVICE, {
        "Peers": grpc.unary_unary_rpc_method_handler(peers, **raw),
        "Reset": grpc.unary_unary_rpc_method_handler(reset, **raw),
        "Calls": grpc.unary_unary_rpc_method_handler(calls, **raw),
        "SetServing": grpc.unary_unary_rpc_method_handler(set_serving, **raw),
        "MaxInFlight": grpc.unary_unary_rpc_method_handler(max_in_flight, **raw),
        "Cancelled": grpc.unary_unary_rpc_method_handler(cancelled, **raw),
    })


def parse_args(default_port=0, description=None):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, default=default_port,
                        help="port on 127.0.0.1 (0 picks a free one; default %(default)s)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on; [::] takes IPv4 and IPv6 (default %(default)s)")
    parser.add_argument("--max-concurrent-streams", type=int, default=None,
                        help="SETTINGS_MAX_CONCURRENT_STREAMS to advertise")
    parser.add_argument("--tls-cert", help="serve TLS with this PEM certificate chain")
    parser.add_argument("--tls-key", help="the PEM private key of --tls-cert")
    parser.add_argument("--tls-client-ca", help="require client certificates signed by this PEM CA")
    parser.add_argument("--exit-with-stdin", action="store_true",
                        help="exit when stdin closes, so a test harness that dies takes us with it")
    return parser.parse_args()


def _exit_when_stdin_closes():
    """Exits once stdin reaches EOF (the parent test process is gone)."""
    def watch():
        # os.read, not sys.stdin: a daemon thread inside the buffered reader would abort
        # interpreter shutdown.
        while os.read(0, 4096):
            pass
        # The harness is gone: leave at once. Stopping the server and returning would wait
        # at interpreter exit for handler threads still sleeping (up to a minute in some
        # tests), all the while holding the harness's output pipe open.
        os._exit(0)
    threading.Thread(target=watch, daemon=True).start()


def _tls_credentials(args):
    """grpcio's own TLS (BoringSSL in grpc core), optionally asking for client certificates."""
    def read(path):
        with open(path, "rb") as f:
            return f.read()
    client_ca = read(args.tls_client_ca) if args.tls_client_ca else None
    return grpc.ssl_server_credentials(
        [(read(args.tls_key), read(args.tls_cert))],
        root_certificates=client_ca,
        require_client_auth=client_ca is not None,
    )


def serve(servicers_adders, args):
    """Serves until SIGTERM or SIGINT.

    servicers_adders: iterable of (add_XServicer_to_server, servicer) pairs.
    args: what parse_args returned.
    Prints `LISTENING <port>` once the port is bound.
    """
    # Both signals raise KeyboardInterrupt in the main thread. Set SIGINT
    # explicitly too: a shell starting us in the background leaves it ignored.
    # Some parents (Swift Foundation's Process among them) start children with these
    # signals blocked; unblock them or SIGTERM would never arrive.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.default_int_handler)

    recorder = PeerRecorder()
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=256),
        interceptors=[recorder],
        # Without this a second server could silently share a busy port.
        options=[("grpc.so_reuseport", 0)] + (
            [("grpc.max_concurrent_streams", args.max_concurrent_streams)]
            if args.max_concurrent_streams else []),
    )
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for add, servicer in servicers_adders:
        add(servicer, server)
    server.add_generic_rpc_handlers((_stats_handler(recorder, health_servicer),))
    address = "%s:%d" % (args.host, args.port)
    if args.tls_cert:
        bound = server.add_secure_port(address, _tls_credentials(args))
    else:
        bound = server.add_insecure_port(address)
    server.start()
    try:
        print("LISTENING %d" % bound, flush=True)
        if args.exit_with_stdin:
            _exit_when_stdin_closes()
        server.wait_for_termination()
    except KeyboardInterrupt:
        pass
    finally:
        # Grace 0 cancels in-flight calls; handlers that poll
        # context.is_active() then return and the worker threads can exit.
        server.stop(0).wait()
