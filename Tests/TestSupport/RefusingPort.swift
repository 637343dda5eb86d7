#if canImport(Glibc)
import Glibc
#endif

/// A loopback port where connections are refused, held for as long as this object lives.
///
/// The socket is bound but never listens, so the kernel answers connects with RST, and no
/// other test can bind the port meanwhile (a stopped server's port, by contrast, may be
/// handed to the next server a parallel test starts).
public final class RefusingPort: @unchecked Sendable {
    // @unchecked: `descriptor` is set once in init and only closed in deinit.
    public let port: Int
    private let descriptor: Int32

    public init() {
        (descriptor, port) = bindLoopbackSocket()
    }

    deinit { close(descriptor) }
}
