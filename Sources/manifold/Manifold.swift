import ArgumentParser
import Foundation
import Logging
import ManifoldGateway
import ServiceLifecycle
import UnixSignals

@main
struct Manifold: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifold",
        abstract: "A REST/JSON to gRPC aggregation gateway.",
        subcommands: [Serve.self, Check.self]
    )
}

/// Loads a config, printing diagnostics like a compiler on failure.
func loadGateway(_ path: String, logger: Logger) throws -> Gateway {
    do {
        return try Gateway(config: ConfigLoader.load(path: path), logger: logger)
    } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        throw ExitCode(1)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway.")

    @Option(name: .long, help: "The gateway config (YAML).")
    var config: String

    @Option(name: .long, help: "Listen on this port instead of the configured one.")
    var port: Int?

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardOutput(label: $0) }
        let logger = Logger(label: "manifold.gateway")
        var gateway = try loadGateway(config, logger: logger)
        gateway.portOverride = port
        let host = gateway.config.server.host
        gateway.onListening = { port in
            logger.info("listening", metadata: ["server.address": "\(host):\(port)"])
        }
        let group = ServiceGroup(services: [gateway], gracefulShutdownSignals: [UnixSignal.sigterm, UnixSignal.sigint], logger: logger)
        try await group.run()
    }
}

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Validate a config and its protos; print the routes.")

    @Option(name: .long, help: "The gateway config (YAML).")
    var config: String

    func run() async throws {
        let gateway = try loadGateway(config, logger: Logger(label: "manifold.check"))
        for line in gateway.routeSummary { print(line) }
    }
}
