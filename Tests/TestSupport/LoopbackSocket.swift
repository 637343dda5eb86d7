#if canImport(Glibc)
import Glibc
#endif

/// A TCP socket bound to a free loopback port: the descriptor and the port.
func bindLoopbackSocket() -> (descriptor: Int32, port: Int) {
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
    return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
}
