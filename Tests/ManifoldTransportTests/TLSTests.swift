import ManifoldCore
import ManifoldTransport
import NIOCore
import TestSupport
import Testing

/// TLS to grpcio backends serving their own TLS (BoringSSL in gRPC core): trust, names,
/// client certificates, ALPN, and what a caller sees when any of it is wrong.
@Suite struct TLSTests {
    private func client(_ backend: BackendProcess, _ tls: BackendTLS) throws -> GRPCBackendClient {
        var configuration = GRPCConnection.Configuration()
        configuration.tls = try tls.makeContext()
        configuration.connectTimeout = .seconds(3)
        return GRPCBackendClient(host: "127.0.0.1", port: backend.port, configuration: configuration)
    }

    private func echo(_ client: GRPCBackendClient) async throws -> String? {
        let reply = try EchoBackend.reply(try await client.unary(try EchoBackend.request(#"{"text":"over tls"}"#)))
        guard case .string(let text)? = reply["text"] else { return nil }
        return text
    }

    /// The call fails with UNAVAILABLE, saying why in words that contain `reason`.
    private func expectRefused(_ client: GRPCBackendClient, _ reason: String) async {
        do {
            _ = try await echo(client)
            Issue.record("the call succeeded")
        } catch let error as TransportError {
            #expect(error.code == .unavailable)
            #expect(error.message.contains(reason), "\(error.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func trustsACustomCAAndChecksTheIPAddress() async throws {
        let certificates = try await TestCertificates.make()
        let backend = try await EchoBackend.start(arguments: certificates.serverArguments())
        defer { Task { await backend.stop() } }
        let client = try client(backend, BackendTLS(caFile: certificates.path("ca.pem")))
        defer { Task { await client.shutdown() } }
        #expect(try await echo(client) == "over tls")
        #expect(try await echo(client) == "over tls")
        #expect(client.connectionsOpened == 1)
    }

    /// A certificate for a name only: the name must be configured, and must be its name.
    /// (With an IP address in the certificate, NIOSSL accepts a match on either, per RFC 6125.)
    @Test func serverNameIsSentAndChecked() async throws {
        let certificates = try await TestCertificates.make()
        let backend = try await EchoBackend.start(arguments: certificates.serverArguments(certificate: "named-server"))
        defer { Task { await backend.stop() } }
        let named = try client(backend, BackendTLS(caFile: certificates.path("ca.pem"), serverName: "backend.test"))
        defer { Task { await named.shutdown() } }
        #expect(try await echo(named) == "over tls")

        let misnamed = try client(backend, BackendTLS(caFile: certificates.path("ca.pem"), serverName: "other.test"))
        defer { Task { await misnamed.shutdown() } }
        await expectRefused(misnamed, "failedToValidateHostname")

        let unnamed = try client(backend, BackendTLS(caFile: certificates.path("ca.pem")))
        defer { Task { await unnamed.shutdown() } }
        await expectRefused(unnamed, "TLS with 127.0.0.1:\(backend.port) failed")
    }

    @Test func aServerSignedByAnotherCAIsRefused() async throws {
        let certificates = try await TestCertificates.make()
        let backend = try await EchoBackend.start(arguments: certificates.serverArguments())
        defer { Task { await backend.stop() } }
        let client = try client(backend, BackendTLS(caFile: certificates.path("other-ca.pem")))
        defer { Task { await client.shutdown() } }
        await expectRefused(client, "CERTIFICATE_VERIFY_FAILED")
        // The system's roots do not know the test CA either.
        let systemRoots = try self.client(backend, BackendTLS())
        defer { Task { await systemRoots.shutdown() } }
        await expectRefused(systemRoots, "CERTIFICATE_VERIFY_FAILED")
    }

    @Test func presentsAClientCertificateWhenTheServerAsks() async throws {
        let certificates = try await TestCertificates.make()
        let backend = try await EchoBackend.start(arguments: certificates.serverArguments(requireClientCertificate: true))
        defer { Task { await backend.stop() } }
        let withCertificate = try client(backend, BackendTLS(
            caFile: certificates.path("ca.pem"), certificateFile: certificates.path("client.pem"), keyFile: certificates.path("client.key")
        ))
        defer { Task { await withCertificate.shutdown() } }
        #expect(try await echo(withCertificate) == "over tls")

        let without = try client(backend, BackendTLS(caFile: certificates.path("ca.pem")))
        defer { Task { await without.shutdown() } }
        await expectRefused(without, "127.0.0.1:\(backend.port)")
    }

    @Test func tlsToAPlaintextBackendFailsFast() async throws {
        let backend = try await EchoBackend.start()
        defer { Task { await backend.stop() } }
        let certificates = try await TestCertificates.make()
        let client = try client(backend, BackendTLS(caFile: certificates.path("ca.pem")))
        defer { Task { await client.shutdown() } }
        // The reason is the handshake's, not the connect timeout's ("no HTTP/2 SETTINGS").
        await expectRefused(client, "TLS with 127.0.0.1:\(backend.port) failed")
    }

    @Test func aServerThatDoesNotNegotiateH2IsRefused() async throws {
        let certificates = try await TestCertificates.make()
        // TLS that agrees to http/1.1 only, so ALPN settles on nothing the client offered.
        let backend = try await BackendProcess.start(
            script: "Tests/Backends/faulty_backend.py",
            arguments: certificates.serverArguments() + ["--alpn", "http/1.1"]
        )
        defer { Task { await backend.stop() } }
        let client = try client(backend, BackendTLS(caFile: certificates.path("ca.pem")))
        defer { Task { await client.shutdown() } }
        // Refused for what ALPN said, not left to the connect timeout.
        await expectRefused(client, "did not negotiate h2 (ALPN: none)")
    }

    @Test func unusableFilesAreNamed() async throws {
        let certificates = try await TestCertificates.make()
        #expect(throws: TransportError.self) { try BackendTLS(caFile: "/nonexistent/ca.pem").makeContext() }
        do {
            _ = try BackendTLS(caFile: "/nonexistent/ca.pem").makeContext()
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("CA file /nonexistent/ca.pem"), "\(error.message)")
        }
        do {
            _ = try BackendTLS(certificateFile: certificates.path("client.pem")).makeContext()
            Issue.record("a certificate without its key was accepted")
        } catch {
            #expect(error.message.contains("both a certificate file and a key file"), "\(error.message)")
        }
        do {
            _ = try BackendTLS(caFile: certificates.path("client.ext")).makeContext()
            Issue.record("a file with no certificate was accepted")
        } catch {
            #expect(error.message.contains(certificates.path("client.ext")), "\(error.message)")
        }
    }
}
