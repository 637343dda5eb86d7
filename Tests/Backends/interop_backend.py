"""Test backend for manifold.test.v1.InteropService, our take on the gRPC interop test server.

Usage: interop_backend.py [--port N] [--exit-with-stdin]   (prints `LISTENING <port>` when ready)

Metadata echo: the value of request header x-grpc-test-echo-initial comes back in the
initial metadata, x-grpc-test-echo-trailing-bin and every x-echo-* header in the trailers.

received_compressed is always false and expect_compressed is not enforced: grpcio's core
decompresses messages and strips grpc-encoding before Python sees the call, so a grpcio
server cannot tell whether a request message arrived compressed.
"""

import os
import sys
import time

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import grpc_backend  # noqa: E402

(interop_pb2, interop_pb2_grpc), = grpc_backend.load_protos(
    os.path.join(HERE, "..", "Protos"), ["manifold/test/v1/interop.proto"])

ECHO_INITIAL = "x-grpc-test-echo-initial"
ECHO_TRAILING = "x-grpc-test-echo-trailing-bin"
ECHO_PREFIX = "x-echo-"


def status_code(number):
    for code in grpc.StatusCode:
        if code.value[0] == number:
            return code
    return grpc.StatusCode.UNKNOWN


def sleep_while_active(context, seconds):
    """Sleeps in small steps so a cancelled or expired call stops promptly.
    Returns whether the call is still active."""
    end = time.monotonic() + seconds
    while context.is_active():
        remaining = end - time.monotonic()
        if remaining <= 0:
            break
        time.sleep(min(0.005, remaining))
    return context.is_active()


def echo_metadata(context):
    """Sends the requested initial metadata now and sets the trailers to echo, so they go
    out whether the call then succeeds or aborts."""
    initial, trailing = [], []
    for key, value in context.invocation_metadata():
        if key == ECHO_INITIAL:
            initial.append((key, value))
        elif key == ECHO_TRAILING or key.startswith(ECHO_PREFIX):
            trailing.append((key, value))  # -bin values arrive and go back as bytes
    if initial:
        context.send_initial_metadata(initial)
    if trailing:
        context.set_trailing_metadata(trailing)


def fail_if_asked(context, status):
    if status.code != 0:
        # grpcio percent-encodes grpc-message, so unicode and control characters survive.
        context.abort(status_code(status.code), status.message)


class InteropService(interop_pb2_grpc.InteropServiceServicer):
    def EmptyCall(self, request, context):
        echo_metadata(context)
        return request  # an Empty

    def UnaryCall(self, request, context):
        echo_metadata(context)
        if not sleep_while_active(context, request.sleep_ms / 1000.0):
            return interop_pb2.SimpleResponse()  # nobody is listening any more
        fail_if_asked(context, request.response_status)
        if request.response_compressed:
            context.set_compression(grpc.Compression.Gzip)
        return interop_pb2.SimpleResponse(
            payload=interop_pb2.Payload(body=bytes(max(request.response_size, 0))),
            received_size=len(request.payload.body),
            received_compressed=False,  # unknowable here, see the module docstring
        )

    def StreamingOutputCall(self, request, context):
        echo_metadata(context)
        if request.response_compressed:
            context.set_compression(grpc.Compression.Gzip)
        for parameters in request.response_parameters:
            if not sleep_while_active(context, parameters.interval_us / 1e6):
                return
            yield interop_pb2.StreamingOutputCallResponse(
                payload=interop_pb2.Payload(body=bytes(max(parameters.size, 0))))
        fail_if_asked(context, request.response_status)


if __name__ == "__main__":
    args = grpc_backend.parse_args(description=__doc__)
    grpc_backend.serve(
        [(interop_pb2_grpc.add_InteropServiceServicer_to_server, InteropService())], args)
