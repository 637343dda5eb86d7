#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ManifoldCore
import NIOCore
import NIOPosix

/// One address a backend target resolved to.
struct ResolvedAddress: Sendable, Hashable, CustomStringConvertible {
    let socketAddress: SocketAddress
    /// The `:authority` calls carry: the target as configured, not the address.
    let authority: String
    /// The target's host, which TLS checks the certificate against.
    let host: String

    var description: String { "\(socketAddress.ipAddress ?? "?"):\(socketAddress.port ?? 0)" }
}

/// Resolves target host names to every address they have (IPv4 and IPv6), so a DNS name
/// with several records spreads calls over all of them.
enum AddressResolver {
    /// The address of a target whose host is an IP literal; nil for a DNS name.
    static func literal(_ target: BackendTarget) -> ResolvedAddress? {
        (try? SocketAddress(ipAddress: target.host, port: target.port)).map {
            ResolvedAddress(socketAddress: $0, authority: target.description, host: target.host)
        }
    }

    static func resolve(_ target: BackendTarget) async throws(TransportError) -> [ResolvedAddress] {
        if let literal = literal(target) { return [literal] }
        let authority = target.description
        let ips: [String]
        do {
            // getaddrinfo blocks; keep it off the event loops and the cooperative pool.
            ips = try await NIOThreadPool.singleton.runIfActive { try lookUp(target.host) }
        } catch {
            throw TransportError(.unavailable, "cannot resolve \(target.host): \(error)", isRetrySafe: true)
        }
        var seen = Set<SocketAddress>()
        var addresses: [ResolvedAddress] = []
        for ip in ips {
            guard let address = try? SocketAddress(ipAddress: ip, port: target.port), seen.insert(address).inserted else { continue }
            addresses.append(ResolvedAddress(socketAddress: address, authority: authority, host: target.host))
        }
        guard !addresses.isEmpty else {
            throw TransportError(.unavailable, "\(target.host) resolved to no address", isRetrySafe: true)
        }
        return addresses
    }

    private struct LookupError: Error, CustomStringConvertible {
        let description: String
    }

    /// The numeric addresses of `host`, in the resolver's order.
    private static func lookUp(_ host: String) throws -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let rv = getaddrinfo(host, nil, &hints, &list)
        guard rv == 0 else { throw LookupError(description: String(cString: gai_strerror(rv))) }
        // Owner: this function; freed before it returns.
        defer { freeaddrinfo(list) }
        var ips: [String] = []
        var node = list
        while let entry = node?.pointee {
            var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if entry.ai_family == AF_INET || entry.ai_family == AF_INET6,
               getnameinfo(entry.ai_addr, entry.ai_addrlen, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST) == 0 {
                let end = text.firstIndex(of: 0) ?? text.count
                ips.append(String(decoding: text[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            node = entry.ai_next
        }
        return ips
    }
}
