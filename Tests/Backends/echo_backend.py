"""Test backend for manifold.test.v1.EchoService: echoes, sleeps and fails on request.

Usage: echo_backend.py [--port N]   (prints `LISTENING <port>` when ready)
"""

import os
import sys
import time

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import grpc_backend  # noqa: E402

(echo_pb2, echo_pb2_grpc), = grpc_backend.load_protos(
    os.path.join(HERE, "..", "Protos"), ["manifold/test/v1/echo.proto"])

# Every byte value once, so byte-exact transcoding (base64 in JSON) is visible.
ALL_BYTES = bytes(range(256))


def status_code(number):
    for code in grpc.StatusCode:
        if code.value[0] == number:
            return code
    return grpc.StatusCode.UNKNOWN


def payload(size):
    if size <= 0:
        return b"\x00\x01\xfe\xff"
    return (ALL_BYTES * (size // len(ALL_BYTES) + 1))[:size]


class EchoService(echo_pb2_grpc.EchoServiceServicer):
    def Echo(self, request, context):
        # Sleep in small steps so a cancelled or expired call stops promptly.
        end = time.monotonic() + request.delay_ms / 1000.0
        while context.is_active():
            remaining = end - time.monotonic()
            if remaining <= 0:
                break
            time.sleep(min(0.005, remaining))
        if not context.is_active():
            return echo_pb2.EchoReply()  # nobody is listening any more

        if request.fail_code != 0:
            context.abort(status_code(request.fail_code), request.fail_message)

        # Values chosen to hit JSON edge cases: int64 beyond 2^53, max uint64,
        # negative zigzag/fixed ints, an explicitly set proto3 optional zero, a oneof.
        return echo_pb2.EchoReply(
            text=request.text,
            peer=context.peer(),
            big=-9007199254740993,
            ubig=18446744073709551615,
            payload=payload(request.reply_size),
            nested=echo_pb2.Nested(label="n", weight=-5),
            items=[echo_pb2.Nested(label="a", weight=1),
                   echo_pb2.Nested(label="b", weight=-2)],
            numbers=[1, -2, 3],
            flag=True,
            ratio=0.5,
            score=2.25,
            f32=7,
            f64=8,
            sf32=-9,
            s32=-10,
            u32=11,
            color=echo_pb2.COLOR_GREEN,
            counts={"a": 1, "b": 2},
            maybe=0,
            choice_number=3,
        )


if __name__ == "__main__":
    args = grpc_backend.parse_args(description=__doc__)
    grpc_backend.serve([(echo_pb2_grpc.add_EchoServiceServicer_to_server, EchoService())], args)
