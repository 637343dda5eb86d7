import ManifoldGateway
import ManifoldTransport
import TestSupport
import Testing

/// A backend behind TLS, configured in YAML: the gateway reaches it with the CA, client
/// certificate and server name the config names, and refuses a config whose files are bad.
@Suite struct BackendTLSEndToEndTests {
    static func config(backendPort: Int, tls: String) -> String {
        GatewayHarness.echoConfig(target: "127.0.0.1:\(backendPort)", backend: "tls: \(tls)", """
        routes:
          - get: /echo/{text}
            calls:
              echo: {rpc: manifold.test.v1.EchoService/Echo, request: "{text: path.text}"}
            respond: "{text: echo.text}"
        """)
    }

    @Test func theGatewayCallsAMutualTLSBackend() async throws {
        let certificates = try await TestCertificates.make()
        let backend = try await BackendProcess.start(
            script: "Tests/Backends/echo_backend.py",
            arguments: certificates.serverArguments(certificate: "named-server", requireClientCertificate: true)
        )
        defer { Task { await backend.stop() } }
        // Relative paths resolve against the config file's folder: the certificates' here.
        let tls = "{ca: ca.pem, cert: client.pem, key: client.key, server_name: backend.test}"
        let text = Self.config(backendPort: backend.port, tls: tls)
        #expect(try ConfigLoader.parse(text, file: "tls.yaml", baseDirectory: certificates.directory).backends.first?.client.connection.tls != nil)
        try await GatewayHarness.withGateway(config: text, baseDirectory: certificates.directory) { port in
            let response = try await HTTPTestClient.request(port: port, path: "/echo/secret")
            #expect(response.status == 200)
            #expect(response.body == #"{"text":"secret"}"#)
        }
    }

    @Test func badTLSFilesAreConfigErrors() throws {
        let text = Self.config(backendPort: 50051, tls: "{ca: missing-ca.pem, cert: client.pem}")
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.parse(text, file: "tls.yaml", baseDirectory: "/nonexistent") }
        let messages = error?.diagnostics.map(\.description) ?? []
        #expect(messages.count == 1, "\(messages)")
        #expect(messages.first?.hasPrefix("tls.yaml:9:10: error: backends.echo.tls: cannot read the CA file /nonexistent/missing-ca.pem: no such file") == true, "\(messages)")
    }
}
