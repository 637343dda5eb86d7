import Foundation
import ManifoldTransport
import NIOCore
import TestSupport
import Testing

/// A backend named by a DNS name with two addresses: the gateway resolves the name to both
/// and spreads calls over them. The name lives in a hosts file that nss_wrapper (Debian's
/// libnss-wrapper, preloaded into the gateway process only) puts in front of the system's
/// resolver, so the gateway's own getaddrinfo sees two records, as it would from DNS, and
/// nothing outside the test changes.
@Suite struct MultiAddressNameTests {
    static let nssWrapper = "/usr/lib/x86_64-linux-gnu/libnss_wrapper.so"

    /// The `manifold` executable built next to this test bundle.
    static var manifold: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("manifold").path
    }

    private func calls(_ backend: BackendTarget) async throws -> Int {
        let client = GRPCBackendClient(targets: [backend])
        defer { Task { await client.shutdown() } }
        let response = try await client.unary(GRPCRequest(path: "/manifold.test.Stats/Calls", message: ByteBuffer()))
        return Int(String(buffer: response.message)) ?? -1
    }

    @Test func aNameWithTwoAddressesSpreadsCallsOverBoth() async throws {
        let echo = "Tests/Backends/echo_backend.py"
        let first = try await BackendProcess.start(script: echo)
        let second = try await BackendProcess.start(script: echo, arguments: ["--host", "127.0.0.2", "--port", String(first.port)])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("manifold-dns-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let hosts = folder.appendingPathComponent("hosts")
        try "127.0.0.1 multi.manifold.test\n127.0.0.2 multi.manifold.test\n".write(to: hosts, atomically: true, encoding: .utf8)
        let config = folder.appendingPathComponent("gateway.yaml")
        try GatewayHarness.echoConfig(target: "multi.manifold.test:\(first.port)", """
        routes:
          - get: /echo
            calls:
              echo: {rpc: manifold.test.v1.EchoService/Echo, request: "{text: 'hi'}"}
        """).write(to: config, atomically: true, encoding: .utf8)

        let gateway = try await BackendProcess.start(
            command: [Self.manifold, "serve", "--config", config.path],
            environment: ["LD_PRELOAD": Self.nssWrapper, "NSS_WRAPPER_HOSTS": hosts.path]
        ) { line in
            // `... server.address=127.0.0.1:PORT ... listening`
            guard line.hasSuffix("listening"), let range = line.range(of: "server.address=127.0.0.1:") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }

        for _ in 0..<40 {
            let response = try await HTTPTestClient.request(port: gateway.port, path: "/echo")
            #expect(response.status == 200, "\(response.body)")
        }
        let a = try await calls(BackendTarget(host: "127.0.0.1", port: first.port))
        let b = try await calls(BackendTarget(host: "127.0.0.2", port: first.port))
        // Round robin over the two addresses the name resolved to.
        #expect(a == 20)
        #expect(b == 20)
        await gateway.stop()
        await first.stop()
        await second.stop()
    }
}
