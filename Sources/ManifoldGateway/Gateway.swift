import Hummingbird
import ManifoldCompose
public import Logging
import ManifoldSchema
public import ManifoldTransport
public import ServiceLifecycle

/// The gateway: a loaded config compiled against its schema, ready to serve.
///
/// A `Service`: run it in a `ServiceGroup`, which also shuts it down gracefully.
public struct Gateway: Service {
    public let config: GatewayConfig
    let snapshot: GatewaySnapshot
    let logger: Logger
    /// Overrides the configured port (0 picks a free one).
    public var portOverride: Int?
    /// Called with the bound port once the server accepts connections.
    public var onListening: @Sendable (Int) async -> Void = { _ in }

    /// Loads the schema a config names and compiles the config against it.
    /// - Throws: `ConfigError` (config problems, each with its line) or `SchemaError`
    ///   (protos that do not compile).
    public init(config: GatewayConfig, logger: Logger = Logger(label: "manifold.gateway")) throws {
        let schema = try Schema.load(protoRoots: config.schema.protoRoots, descriptorSetFiles: config.schema.descriptorSets)
        self.config = config
        self.snapshot = try GatewaySnapshot.build(config: config, schema: schema)
        self.logger = logger
    }

    /// Each configured backend's client, by name: for stats.
    public var backends: [String: GRPCBackendClient] { snapshot.backends }

    /// Each route and its plan: method and path, then the calls level by level (the calls
    /// of one level run at once; each level waits only for what its calls read).
    public var routeSummary: [String] {
        var lines: [String] = []
        for route in snapshot.routes {
            lines.append("\(route.method) \(route.template)  (timeout \(route.timeout))")
            let calls = Dictionary(uniqueKeysWithValues: route.plan.calls.map { ($0.name, $0) })
            for (depth, level) in route.plan.levels.enumerated() {
                let described = level.map { name -> String in
                    let call = calls[name]!
                    var text = "\(name): \(call.target.method.fullName) @\(call.target.backendName)"
                    if call.optional { text += " optional" }
                    if let each = call.each { text += " each(\(each.concurrency))" }
                    if call.when != nil { text += " when" }
                    let reads = call.dependencies.map { route.plan.calls[$0].name }
                    if !reads.isEmpty { text += " <- " + reads.joined(separator: ", ") }
                    return text
                }
                lines.append("  level \(depth): " + described.joined(separator: " | "))
            }
        }
        return lines
    }

    /// Serves until the enclosing service group shuts down.
    public func run() async throws {
        let onListening = self.onListening
        let application = Application(
            responder: GatewayResponder(snapshot: snapshot, logger: logger),
            server: .http1OnConnectionLoops(),
            configuration: ApplicationConfiguration(
                address: .hostname(config.server.host, port: portOverride ?? config.server.port),
                serverName: "manifold"
            ),
            services: [BackendShutdownService(clients: Array(snapshot.backends.values))],
            onServerRunning: { channel in
                await onListening(channel.localAddress?.port ?? 0)
            },
            logger: logger
        )
        try await application.run()
    }
}

/// Closes the backend connections when the gateway shuts down.
private struct BackendShutdownService: Service {
    let clients: [GRPCBackendClient]

    func run() async throws {
        try? await gracefulShutdown()
        for client in clients { await client.shutdown() }
    }
}
