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
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                precondition(bind(descriptor, socketAddress, length) == 0, "cannot bind a loopback port")
                _ = getsockname(descriptor, socketAddress, &length)
            }
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}
