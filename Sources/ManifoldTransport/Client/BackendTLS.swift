#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ManifoldCore
import NIOCore
import NIOSSL

/// TLS to a backend: which certificates to trust, the client certificate to present, and
/// the name to expect. ALPN offers `h2` only, as gRPC requires.
public struct BackendTLS: Sendable, Equatable {
    /// PEM file of the CA certificates to trust; nil trusts the system's roots.
    public var caFile: String?
    /// PEM files of the client certificate chain and its key, for backends that ask for
    /// one (mutual TLS). Both or neither.
    public var certificateFile: String?
    public var keyFile: String?
    /// The name sent in SNI and checked against the server's certificate; nil uses the
    /// target's host (an IP-literal target is then checked against the certificate's IP
    /// addresses, and sends no SNI).
    public var serverName: String?

    public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil, serverName: String? = nil) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.serverName = serverName
    }

    /// Reads the files and builds the context every connection of a backend shares.
    /// - Throws: `TransportError` (INVALID_ARGUMENT) naming the file that cannot be used.
    public func makeContext() throws(TransportError) -> ClientTLSContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.applicationProtocols = ["h2"]
        configuration.minimumTLSVersion = .tlsv12
        if let caFile {
            let roots = try Self.load("CA file", caFile) { try NIOSSLCertificate.fromPEMFile($0) }
            guard !roots.isEmpty else { throw TransportError(.invalidArgument, "CA file \(caFile) holds no PEM certificate") }
            configuration.trustRoots = .certificates(roots)
        }
        switch (certificateFile, keyFile) {
        case (nil, nil):
            break
        case (let certificateFile?, let keyFile?):
            let chain = try Self.load("certificate file", certificateFile) { try NIOSSLCertificate.fromPEMFile($0) }
            guard !chain.isEmpty else { throw TransportError(.invalidArgument, "certificate file \(certificateFile) holds no PEM certificate") }
            configuration.certificateChain = chain.map { .certificate($0) }
            configuration.privateKey = .privateKey(try Self.load("key file", keyFile) { try NIOSSLPrivateKey(file: $0, format: .pem) })
        default:
            throw TransportError(.invalidArgument, "a client certificate needs both a certificate file and a key file")
        }
        do {
            return ClientTLSContext(ssl: try NIOSSLContext(configuration: configuration), serverName: serverName)
        } catch {
            throw TransportError(.invalidArgument, "cannot set up TLS: \(error)")
        }
    }

    private static func load<T>(_ what: String, _ path: String, _ read: (String) throws -> T) throws(TransportError) -> T {
        // NIOSSL's own error does not say why; the commonest reason is worth saying.
        guard access(path, R_OK) == 0 else {
            throw TransportError(.invalidArgument, "cannot read the \(what) \(path): no such file, or not readable")
        }
        do {
            return try read(path)
        } catch {
            throw TransportError(.invalidArgument, "cannot read the \(what) \(path): not PEM, or not what it should hold (\(error))")
        }
    }
}

/// A backend's TLS set up once (certificates parsed, keys loaded) and shared by all its
/// connections.
public final class ClientTLSContext: Sendable {
    let ssl: NIOSSLContext
    let serverName: String?

    init(ssl: NIOSSLContext, serverName: String?) {
        self.ssl = ssl
        self.serverName = serverName
    }

    /// The TLS handler for one connection to `host`.
    func makeHandler(host: String) throws -> NIOSSLClientHandler {
        // SNI carries names only: an IP-literal host is checked against the certificate's
        // IP addresses instead (NIOSSL does that when given no name).
        let isIPLiteral = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        return try NIOSSLClientHandler(context: ssl, serverHostname: serverName ?? (isIPLiteral ? nil : host))
    }
}
