import Foundation
import Logging
import ManifoldGateway
import ServiceLifecycle
import TestSupport

/// Runs a gateway in-process on a free port for the duration of `body`.
enum GatewayHarness {
    /// The example shop config pointed at a backend on `backendPort`.
    static func shopConfig(backendPort: Int) -> String {
        oneBackendConfig(
            protos: Repository.path("protos"), name: "catalog", service: "shop.catalog.v1.CatalogService",
            target: "127.0.0.1:\(backendPort)", backend: "timeout: 2s",
            """
            routes:
              - get: /products/{id}
                calls:
                  product:
                    rpc: shop.catalog.v1.CatalogService/GetProduct
            """
        )
    }

    /// A config over the test protos with one backend, `echo`, serving EchoService at
    /// `target`; `backend` adds settings to that backend (YAML lines, unindented), and
    /// `sections` follows (routes, clients).
    static func echoConfig(target: String, backend: String = "", _ sections: String) -> String {
        oneBackendConfig(
            protos: Repository.path("Tests/Protos"), name: "echo", service: "manifold.test.v1.EchoService",
            target: target, backend: backend, sections
        )
    }

    /// A config with the schema from `protos` and one backend, `name`, serving `service` at
    /// `target`; `backend` adds settings to it (YAML lines, unindented), and `sections`
    /// follows.
    private static func oneBackendConfig(protos: String, name: String, service: String, target: String, backend: String, _ sections: String) -> String {
        let settings = backend.split(separator: "\n").map { "    \($0)\n" }.joined()
        return """
        server:
          listen: 127.0.0.1:0
        schema:
          protos: [\(protos)]
        backends:
          \(name):
            services: [\(service)]
            targets: [\(target)]

        """ + settings + sections
    }

    static func withGateway<T: Sendable>(
        config text: String,
        baseDirectory: String = Repository.root,
        _ body: @Sendable (Int) async throws -> T
    ) async throws -> T {
        try await withGateway(config: text, baseDirectory: baseDirectory) { port, _ in try await body(port) }
    }

    /// The same, with the running gateway for its stats.
    static func withGateway<T: Sendable>(
        config text: String,
        baseDirectory: String = Repository.root,
        _ body: @Sendable (Int, Gateway) async throws -> T
    ) async throws -> T {
        let config = try ConfigLoader.parse(text, file: "test.yaml", baseDirectory: baseDirectory)
        var logger = Logger(label: "manifold.test")
        logger.logLevel = .warning
        var gateway = try Gateway(config: config, logger: logger)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        gateway.portOverride = 0
        gateway.onListening = { port in continuation.yield(port) }
        let services = ServiceGroup(services: [gateway], logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                // Ends the port stream however the gateway stops, so a gateway that fails
                // to start fails the test instead of leaving it waiting for a port.
                defer { continuation.finish() }
                try await services.run()
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                try await group.waitForAll()  // rethrows why it stopped
                throw BackendProcessError(message: "gateway stopped before it listened")
            }
            do {
                let result = try await body(port, gateway)
                await services.triggerGracefulShutdown()
                return result
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
        }
    }
}
