"""gRPC interop client for manifold.test.v1.InteropService (our take on the interop test cases).

Usage: interop_client.py --port N --case NAME|all [--host 127.0.0.1]
Prints `PASS <case>` or `FAIL <case>: <reason>` per case; exits 0 only if every case passed.
"""

import argparse
import os
import sys

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import grpc_backend  # noqa: E402

(interop_pb2, interop_pb2_grpc), = grpc_backend.load_protos(
    os.path.join(HERE, "..", "Protos"), ["manifold/test/v1/interop.proto"])
from google.protobuf import empty_pb2  # noqa: E402  (importable once protobuf is)

SERVICE = "/manifold.test.v1.InteropService/"
TIMEOUT = 10  # seconds; a hung call fails its case instead of the whole run


class Failure(Exception):
    pass


def check(condition, reason):
    if not condition:
        raise Failure(reason)


def expect_error(call, code, message=None):
    """Runs call(), which must fail with status code (and message, if given)."""
    try:
        call()
    except grpc.RpcError as error:
        check(error.code() == code, "want %s, got %s: %r" % (code, error.code(), error.details()))
        if message is not None:
            check(error.details() == message,
                  "want message %r, got %r" % (message, error.details()))
        return error
    raise Failure("want %s, the call succeeded" % code)


def simple(response_size=0, request_size=0, **fields):
    return interop_pb2.SimpleRequest(response_size=response_size,
                                     payload=interop_pb2.Payload(body=bytes(request_size)),
                                     **fields)


def check_unary(response, response_size, request_size):
    check(len(response.payload.body) == response_size,
          "want a %d-byte payload, got %d" % (response_size, len(response.payload.body)))
    check(response.payload.body == bytes(response_size), "payload is not all zero bytes")
    check(response.received_size == request_size,
          "server received %d bytes, sent %d" % (response.received_size, request_size))


def empty_unary(stub, channel):
    response = stub.EmptyCall(empty_pb2.Empty(), timeout=TIMEOUT)
    check(response == empty_pb2.Empty(), "non-empty response %r" % response)


def large_unary(stub, channel):
    response = stub.UnaryCall(simple(314159, 271828), timeout=TIMEOUT)
    check_unary(response, 314159, 271828)


def server_streaming(stub, channel):
    sizes = [31415, 9, 2653, 58979]
    request = interop_pb2.StreamingOutputCallRequest(
        response_parameters=[interop_pb2.ResponseParameters(size=s) for s in sizes])
    got = [len(r.payload.body) for r in stub.StreamingOutputCall(request, timeout=TIMEOUT)]
    check(got == sizes, "want sizes %s, got %s" % (sizes, got))


def _status_cases(message):
    status = interop_pb2.EchoStatus(code=2, message=message)

    def case(stub, channel):
        expect_error(lambda: stub.UnaryCall(simple(response_status=status), timeout=TIMEOUT),
                     grpc.StatusCode.UNKNOWN, message)
        streaming = interop_pb2.StreamingOutputCallRequest(response_status=status)
        expect_error(lambda: list(stub.StreamingOutputCall(streaming, timeout=TIMEOUT)),
                     grpc.StatusCode.UNKNOWN, message)
    return case


status_code_and_message = _status_cases("test status message")
special_status_message = _status_cases(
    "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n")


def _raw_call(channel, method):
    # No serializers: send an empty message as raw bytes.
    return lambda: channel.unary_unary(method)(b"", timeout=TIMEOUT)


def unimplemented_method(stub, channel):
    expect_error(_raw_call(channel, SERVICE + "UnimplementedCall"),
                 grpc.StatusCode.UNIMPLEMENTED)


def unimplemented_service(stub, channel):
    expect_error(_raw_call(channel, "/manifold.test.v1.NoSuchService/X"),
                 grpc.StatusCode.UNIMPLEMENTED)


def timeout_on_sleeping_server(stub, channel):
    expect_error(lambda: stub.UnaryCall(simple(sleep_ms=2000), timeout=0.1),
                 grpc.StatusCode.DEADLINE_EXCEEDED)


def cancel_after_first_response(stub, channel):
    request = interop_pb2.StreamingOutputCallRequest(response_parameters=[
        interop_pb2.ResponseParameters(size=31415),
        # The second message would only come a second later: the cancel must win.
        interop_pb2.ResponseParameters(size=9, interval_us=1_000_000),
    ])
    responses = stub.StreamingOutputCall(request, timeout=TIMEOUT)
    first = next(responses)
    check(len(first.payload.body) == 31415, "first message has %d bytes" % len(first.payload.body))
    responses.cancel()
    expect_error(lambda: list(responses), grpc.StatusCode.CANCELLED)
    check(responses.code() == grpc.StatusCode.CANCELLED, "call ended %s" % responses.code())


def custom_metadata(stub, channel):
    initial = ("x-grpc-test-echo-initial", "test_initial_metadata_value")
    trailing = ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab")
    custom = [("x-echo-ascii", "plain value"), ("x-echo-data-bin", b"\x00\x01\xfe\xff")]
    response, call = stub.UnaryCall.with_call(simple(314159, 271828), timeout=TIMEOUT,
                                              metadata=[initial, trailing, *custom])
    check_unary(response, 314159, 271828)
    got_initial = list(call.initial_metadata())
    got_trailing = list(call.trailing_metadata())
    check(initial in got_initial, "initial metadata %r lacks %r" % (got_initial, initial))
    for pair in (trailing, *custom):
        check(pair in got_trailing, "trailing metadata %r lacks %r" % (got_trailing, pair))


def client_compressed_unary(stub, channel):
    # A grpcio server cannot see whether a request arrived compressed (see
    # interop_backend.py), so this checks that a gzip request is accepted and read whole;
    # no uncompressed expect_compressed probe is sent, as such a server could not reject it.
    response = stub.UnaryCall(simple(314159, 271828, expect_compressed=True),
                              timeout=TIMEOUT, compression=grpc.Compression.Gzip)
    check_unary(response, 314159, 271828)
    response = stub.UnaryCall(simple(314159, 271828, expect_compressed=False), timeout=TIMEOUT)
    check_unary(response, 314159, 271828)


def server_compressed_unary(stub, channel):
    for compressed in (True, False):
        response = stub.UnaryCall(simple(314159, 271828, response_compressed=compressed),
                                  timeout=TIMEOUT)
        check_unary(response, 314159, 271828)


def oversized_metadata(stub, channel):
    """Not an interop case: request metadata past the server's 16 KiB header-list limit
    fails that call alone; the connection goes on serving."""
    huge = [("x-huge", "h" * (32 << 10))]
    error = expect_error(lambda: stub.UnaryCall(simple(), timeout=TIMEOUT, metadata=huge),
                         grpc.StatusCode.RESOURCE_EXHAUSTED)
    print("oversized_metadata: %s" % error.details())
    check_unary(stub.UnaryCall(simple(10), timeout=TIMEOUT), 10, 0)


CASES = dict([
    ("empty_unary", empty_unary),
    ("large_unary", large_unary),
    ("server_streaming", server_streaming),
    ("status_code_and_message", status_code_and_message),
    ("special_status_message", special_status_message),
    ("unimplemented_method", unimplemented_method),
    ("unimplemented_service", unimplemented_service),
    ("timeout_on_sleeping_server", timeout_on_sleeping_server),
    ("cancel_after_first_response", cancel_after_first_response),
    ("custom_metadata", custom_metadata),
    ("client_compressed_unary", client_compressed_unary),
    ("server_compressed_unary", server_compressed_unary),
    ("oversized_metadata", oversized_metadata),
])


def call_in_flight_at_shutdown(stub, channel):
    """The test shuts the server down gracefully while this call sleeps there: the call
    still gets its answer, and a call after it finds no server."""
    response = stub.UnaryCall(simple(response_size=10, sleep_ms=1500), timeout=TIMEOUT)
    check(len(response.payload.body) == 10, "answer has %d bytes" % len(response.payload.body))
    expect_error(lambda: stub.UnaryCall(simple(), timeout=2), grpc.StatusCode.UNAVAILABLE)


# Run only when named: the test acts on the server while they run.
HARNESS_CASES = dict([
    ("call_in_flight_at_shutdown", call_in_flight_at_shutdown),
])


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--case", required=True, choices=["all", *CASES, *HARNESS_CASES])
    args = parser.parse_args()

    names = list(CASES) if args.case == "all" else [args.case]
    failed = 0
    with grpc.insecure_channel("%s:%d" % (args.host, args.port)) as channel:
        stub = interop_pb2_grpc.InteropServiceStub(channel)
        for name in names:
            try:
                {**CASES, **HARNESS_CASES}[name](stub, channel)
                print("PASS %s" % name, flush=True)
            except (Failure, grpc.RpcError) as error:
                failed += 1
                reason = str(error) if isinstance(error, Failure) else "%s: %s" % (
                    error.code(), error.details())
                print("FAIL %s: %s" % (name, reason), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
