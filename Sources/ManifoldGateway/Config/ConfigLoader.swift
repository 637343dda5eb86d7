import Foundation
import ManifoldCore
import ManifoldSchema
import ManifoldTransport
import Yams

/// Reads a gateway config file into a `GatewayConfig`, collecting every problem with its
/// line and column instead of stopping at the first. Unknown keys are errors: a typo in a
/// config must not silently change what the gateway does.
public enum ConfigLoader {
    /// Loads and checks the shape of the config at `path`.
    /// - Throws: `ConfigError` listing every problem found.
    public static func load(path: String) throws(ConfigError) -> GatewayConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(diagnostics: [ConfigDiagnostic(file: path, line: 1, column: 1, path: "", message: "cannot read the file")])
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(String(decoding: data, as: UTF8.self), file: path, baseDirectory: base)
    }

    /// Parses config text; relative paths resolve against `baseDirectory`.
    public static func parse(_ text: String, file: String, baseDirectory: String) throws(ConfigError) -> GatewayConfig {
        var reader = NodeReader(file: file)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ConfigError(diagnostics: [ConfigDiagnostic(file: file, line: 1, column: 1, path: "", message: "the config is empty")])
            }
            root = node
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(diagnostics: [ConfigDiagnostic(file: file, line: 1, column: 1, path: "", message: "invalid YAML: \(error)")])
        }
        let config = reader.gatewayConfig(root, baseDirectory: baseDirectory)
        guard reader.diagnostics.isEmpty, let config else { throw ConfigError(diagnostics: reader.diagnostics) }
        return config
    }
}

/// Walks the YAML node tree, turning nodes into config values and problems into diagnostics.
private struct NodeReader {
    let file: String
    var diagnostics: [ConfigDiagnostic] = []

    init(file: String) { self.file = file }

    static let routeMethods = ["get", "post", "put", "patch", "delete"]

    mutating func gatewayConfig(_ root: Node, baseDirectory: String) -> GatewayConfig? {
        guard let top = mapping(root, at: "", allowed: ["server", "schema", "json", "backends", "clients", "routes"]) else { return nil }
        var server = ServerConfig.defaults
        if let node = top["server"], let map = mapping(node, at: "server", allowed: ["listen", "max_body_size"]) {
            if let listen = map["listen"], let value = string(listen, at: "server.listen") {
                if let (host, port) = HostPort.parse(value.value) {
                    server.host = host
                    server.port = port
                } else {
                    report(listen, "server.listen", "expected HOST:PORT, got \"\(value.value)\"")
                }
            }
            if let size = map["max_body_size"], let value = int(size, at: "server.max_body_size") { server.maxBodySize = value }
        }

        var schema = SchemaConfig(protoRoots: [], descriptorSets: [])
        if let node = top["schema"], let map = mapping(node, at: "schema", allowed: ["protos", "descriptor_sets"]) {
            schema.protoRoots = strings(map["protos"], at: "schema.protos").map { resolve($0.value, base: baseDirectory) }
            schema.descriptorSets = strings(map["descriptor_sets"], at: "schema.descriptor_sets").map { resolve($0.value, base: baseDirectory) }
        }
        if schema.protoRoots.isEmpty && schema.descriptorSets.isEmpty {
            report(root, "schema", "name at least one of schema.protos or schema.descriptor_sets")
        }

        var json = JSONOptions.defaults
        if let node = top["json"], let map = mapping(node, at: "json", allowed: ["names", "emit_defaults", "enums", "ignore_unknown_fields"]) {
            if let names = map["names"], let value = choice(names, at: "json.names", among: ["camel", "proto"]) {
                json.fieldNames = value == "proto" ? .proto : .camel
            }
            if let node = map["emit_defaults"], let value = bool(node, at: "json.emit_defaults") { json.emitDefaults = value }
            if let enums = map["enums"], let value = choice(enums, at: "json.enums", among: ["names", "numbers"]) {
                json.enumsAsNumbers = value == "numbers"
            }
            if let node = map["ignore_unknown_fields"], let value = bool(node, at: "json.ignore_unknown_fields") {
                json.ignoreUnknownFields = value
            }
        }

        var backends: [BackendConfig] = []
        if let node = top["backends"], let map = mapping(node, at: "backends", allowed: nil) {
            for (key, value) in map {
                let name = key.string ?? ""
                let path = "backends.\(name)"
                let allowed = ["services", "targets", "timeout", "connections_per_target", "balancing", "health_check", "compression", "keepalive", "tls"]
                guard let fields = mapping(value, at: path, allowed: allowed) else { continue }
                let targets = strings(fields["targets"], at: path + ".targets")
                for target in targets where BackendTarget(target.value) == nil {
                    report(at: target, path + ".targets", "expected HOST:PORT, got \"\(target.value)\"")
                }
                if targets.isEmpty { report(value, path, "a backend needs at least one target") }
                var timeout = BackendConfig.defaultTimeout
                if let node = fields["timeout"], let value = duration(node, at: path + ".timeout") { timeout = value }
                backends.append(
                    BackendConfig(
                        name: name, services: strings(fields["services"], at: path + ".services"), targets: targets,
                        timeout: timeout, client: clientConfiguration(fields, at: path, baseDirectory: baseDirectory)
                    )
                )
            }
        }

        var clients = ClientsConfig.defaults
        if let node = top["clients"], let map = mapping(node, at: "clients", allowed: ["header", "query", "path_prefix", "default"]) {
            if [map["header"], map["query"], map["path_prefix"]].compactMap({ $0 }).count > 1 {
                report(node, "clients", "name the client by one of header, query or path_prefix")
            }
            if let prefix = map["path_prefix"], bool(prefix, at: "clients.path_prefix") == true { clients.source = .pathPrefix }
            if let header = map["header"], let name = string(header, at: "clients.header") {
                clients.source = .header(name.value.lowercased())
            }
            if let query = map["query"], let name = string(query, at: "clients.query") { clients.source = .query(name.value) }
            if let node = map["default"], let name = string(node, at: "clients.default") { clients.defaultClient = name.value }
        }

        var routes: [RouteConfig] = []
        if let node = top["routes"], let list = sequence(node, at: "routes") {
            for (index, item) in list.enumerated() {
                if let route = self.route(item, at: "routes[\(index)]") { routes.append(route) }
            }
        }
        return GatewayConfig(
            file: file, baseDirectory: baseDirectory, server: server, schema: schema, json: json,
            backends: backends, clients: clients, routes: routes
        )
    }

    private mutating func route(_ node: Node, at path: String) -> RouteConfig? {
        guard let map = mapping(node, at: path, allowed: Self.routeMethods + ["calls", "timeout", "respond"]) else { return nil }
        let methods = Self.routeMethods.filter { map[$0] != nil }
        guard methods.count == 1, let method = methods.first, let pathNode = map[method],
            let template = string(pathNode, at: "\(path).\(method)")
        else {
            report(node, path, "a route needs exactly one of \(Self.routeMethods.joined(separator: ", ")) with its path")
            return nil
        }
        var calls: [CallConfig] = []
        if let callsNode = map["calls"], let callMap = mapping(callsNode, at: path + ".calls", allowed: nil) {
            for (key, value) in callMap {
                if let call = call(key, value, at: "\(path).calls.\(key.string ?? "")") { calls.append(call) }
            }
        }
        if calls.isEmpty { report(node, path + ".calls", "a route needs at least one call") }
        var respond: Located<String>?
        var respondByClient: [String: Located<String>] = [:]
        if let respondNode = map["respond"] {
            if respondNode.scalar != nil {
                respond = string(respondNode, at: path + ".respond")
            } else if let shapes = mapping(respondNode, at: path + ".respond", allowed: nil) {
                for (key, value) in shapes {
                    let client = key.string ?? ""
                    if let expression = string(value, at: "\(path).respond.\(client)") { respondByClient[client] = expression }
                }
            }
        }
        let timeout = map["timeout"].flatMap { duration($0, at: path + ".timeout") } ?? RouteConfig.defaultTimeout
        return RouteConfig(
            method: method.uppercased(), path: template, calls: calls, timeout: timeout,
            respond: respond, respondByClient: respondByClient
        )
    }

    private mutating func call(_ key: Node, _ value: Node, at path: String) -> CallConfig? {
        let allowed = ["rpc", "request", "optional", "timeout", "when", "each", "concurrency"]
        guard let fields = mapping(value, at: path, allowed: allowed) else { return nil }
        guard let rpcNode = fields["rpc"], let rpc = string(rpcNode, at: path + ".rpc") else {
            report(value, path, "a call needs an rpc")
            return nil
        }
        return CallConfig(
            name: located(key, key.string ?? ""),
            rpc: rpc,
            timeout: fields["timeout"].flatMap { duration($0, at: path + ".timeout") },
            request: fields["request"].flatMap { string($0, at: path + ".request") },
            when: fields["when"].flatMap { string($0, at: path + ".when") },
            each: fields["each"].flatMap { string($0, at: path + ".each") },
            concurrency: fields["concurrency"].flatMap { int($0, at: path + ".concurrency") } ?? CallConfig.defaultConcurrency,
            optional: fields["optional"].flatMap { bool($0, at: path + ".optional") } ?? false
        )
    }

    // MARK: - Node helpers

    /// A backend's connection settings; what is not given keeps the transport's default.
    private mutating func clientConfiguration(_ fields: Node.Mapping, at path: String, baseDirectory: String) -> GRPCBackendClient.Configuration {
        var configuration = GRPCBackendClient.Configuration()
        if let node = fields["connections_per_target"], let value = int(node, at: path + ".connections_per_target") {
            configuration.connectionsPerTarget = value
        }
        if let node = fields["balancing"],
           let value = choice(node, at: path + ".balancing", among: LoadBalancing.allCases.map(\.rawValue)) {
            configuration.balancing = LoadBalancing(rawValue: value)!
        }
        if let node = fields["compression"],
           let value = choice(node, at: path + ".compression", among: MessageCompression.allCases.map(\.rawValue)) {
            configuration.connection.compression = MessageCompression(rawValue: value)
        }
        if let node = fields["health_check"], let map = mapping(node, at: path + ".health_check", allowed: ["service", "interval", "timeout"]) {
            var check = HealthCheck()
            if let node = map["service"], let value = string(node, at: path + ".health_check.service") { check.service = value.value }
            if let node = map["interval"], let value = duration(node, at: path + ".health_check.interval") { check.interval = value }
            if let node = map["timeout"], let value = duration(node, at: path + ".health_check.timeout") { check.timeout = value }
            configuration.healthCheck = check
        }
        if let node = fields["keepalive"], let map = mapping(node, at: path + ".keepalive", allowed: ["interval", "timeout"]) {
            if let intervalNode = map["interval"], let interval = duration(intervalNode, at: path + ".keepalive.interval") {
                var keepalive = GRPCConnection.Keepalive(interval: interval)
                if let node = map["timeout"], let value = duration(node, at: path + ".keepalive.timeout") { keepalive.timeout = value }
                configuration.connection.keepalive = keepalive
            } else if map["interval"] == nil {
                report(node, path + ".keepalive", "keepalive needs an interval")
            }
        }
        if let node = fields["tls"] {
            configuration.connection.tls = tlsContext(node, at: path + ".tls", baseDirectory: baseDirectory)
        }
        return configuration
    }

    /// `tls: {}` trusts the system's roots; `ca`, `cert` + `key` and `server_name` refine
    /// it. The files are read now, so a bad one is a config error, not a failed call.
    private mutating func tlsContext(_ node: Node, at path: String, baseDirectory: String) -> ClientTLSContext? {
        guard let map = mapping(node, at: path, allowed: ["ca", "cert", "key", "server_name"]) else { return nil }
        var tls = BackendTLS()
        if let node = map["ca"] { tls.caFile = string(node, at: path + ".ca").map { resolve($0.value, base: baseDirectory) } }
        if let node = map["cert"] { tls.certificateFile = string(node, at: path + ".cert").map { resolve($0.value, base: baseDirectory) } }
        if let node = map["key"] { tls.keyFile = string(node, at: path + ".key").map { resolve($0.value, base: baseDirectory) } }
        if let name = map["server_name"] { tls.serverName = string(name, at: path + ".server_name")?.value }
        do {
            return try tls.makeContext()
        } catch {
            report(node, path, error.message)
            return nil
        }
    }

    private mutating func mapping(_ node: Node, at path: String, allowed: [String]?) -> Node.Mapping? {
        guard let map = node.mapping else {
            report(node, path, "expected a mapping")
            return nil
        }
        if let allowed {
            for key in map.keys where !allowed.contains(key.string ?? "") {
                report(key, path.isEmpty ? (key.string ?? "") : "\(path).\(key.string ?? "")",
                       "unknown key; expected one of \(allowed.joined(separator: ", "))")
            }
        }
        return map
    }

    private mutating func sequence(_ node: Node, at path: String) -> Node.Sequence? {
        guard let list = node.sequence else {
            report(node, path, "expected a list")
            return nil
        }
        return list
    }

    private mutating func string(_ node: Node, at path: String) -> Located<String>? {
        guard let scalar = node.scalar else {
            report(node, path, "expected a string")
            return nil
        }
        return located(node, scalar.string)
    }

    private mutating func strings(_ node: Node?, at path: String) -> [Located<String>] {
        guard let node else { return [] }
        guard let list = sequence(node, at: path) else { return [] }
        return list.enumerated().compactMap { index, item in string(item, at: "\(path)[\(index)]") }
    }

    private mutating func int(_ node: Node, at path: String) -> Int? {
        guard let text = node.scalar?.string, let value = Int(text), value > 0 else {
            report(node, path, "expected a positive integer")
            return nil
        }
        return value
    }

    private mutating func bool(_ node: Node, at path: String) -> Bool? {
        switch node.scalar?.string {
        case "true": return true
        case "false": return false
        default:
            report(node, path, "expected true or false")
            return nil
        }
    }

    private mutating func choice(_ node: Node, at path: String, among choices: [String]) -> String? {
        guard let text = node.scalar?.string, choices.contains(text) else {
            report(node, path, "expected one of \(choices.joined(separator: ", "))")
            return nil
        }
        return text
    }

    private mutating func duration(_ node: Node, at path: String) -> Duration? {
        guard let text = node.scalar?.string, let value = DurationParser.parse(text) else {
            report(node, path, "expected a duration such as 150ms, 2s or 1m")
            return nil
        }
        return value
    }

    /// The value with the position of its first character: Yams marks a quoted scalar at its
    /// quote, and an expression's error offsets count from inside the quotes.
    private func located(_ node: Node, _ value: String) -> Located<String> {
        let style = node.scalar?.style
        let quoted = style == .doubleQuoted || style == .singleQuoted
        return Located(value: value, line: node.mark?.line ?? 1, column: (node.mark?.column ?? 1) + (quoted ? 1 : 0))
    }

    private mutating func report(_ node: Node, _ path: String, _ message: String) {
        diagnostics.append(
            ConfigDiagnostic(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1, path: path, message: message)
        )
    }

    private mutating func report(at value: Located<String>, _ path: String, _ message: String) {
        diagnostics.append(ConfigDiagnostic(file: file, line: value.line, column: value.column, path: path, message: message))
    }

    private func resolve(_ path: String, base: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: base).appendingPathComponent(path).standardizedFileURL.path
    }
}
