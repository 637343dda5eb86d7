#if canImport(Glibc)
import Glibc
#endif

/// A loopback port that listens but never accepts, held for as long as this object lives.
///
/// TCP connects succeed (the kernel completes the handshake into the backlog), and then
/// nothing is ever read or written: a server that hangs before it speaks.
public final class SilentPort: @unchecked Sendable {
    // @unchecked: `descriptor` is set once in init and only closed in deinit.
    public let port: Int
    private let descriptor: Int32

    public init() {
        (descriptor, port) = bindLoopbackSocket()
        precondition(listen(descriptor, 64) == 0, "cannot listen on a loopback port")
    }

    deinit { close(descriptor) }
}
