import Foundation

/// Certificates for the TLS tests, made by `Tests/Backends/make_certificates.sh` (openssl)
/// in a folder of their own: a CA; a server certificate for `backend.test` and 127.0.0.1
/// (`server`) and one for the name alone (`named-server`); a client certificate; and a
/// second CA that signed none of them.
public struct TestCertificates: Sendable {
    public let directory: String

    public func path(_ file: String) -> String { directory + "/" + file }

    /// Makes a fresh set; openssl runs and is waited for off the cooperative pool.
    public static func make() async throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("manifold-certs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let outcome = try await ChildProcess.run(["bash", Repository.path("Tests/Backends/make_certificates.sh"), directory])
        guard outcome.status == 0 else {
            throw BackendProcessError(message: "make_certificates.sh exited with \(outcome.status): \(outcome.text)")
        }
        return TestCertificates(directory: directory)
    }

    /// Arguments for a grpc_backend.py server to serve TLS with the certificate `server`
    /// (or `named-server`), and with `requireClientCertificate`, to insist on a client
    /// certificate signed by the CA.
    public func serverArguments(certificate: String = "server", requireClientCertificate: Bool = false) -> [String] {
        ["--tls-cert", path(certificate + ".pem"), "--tls-key", path(certificate + ".key")]
            + (requireClientCertificate ? ["--tls-client-ca", path("ca.pem")] : [])
    }
}
