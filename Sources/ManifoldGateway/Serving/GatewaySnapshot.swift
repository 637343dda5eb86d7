import ManifoldCore
import ManifoldSchema
import ManifoldTransport

/// Everything serving a request needs, compiled once from a config: the schema and codec,
/// the routes with their path templates, and a client per backend.
///
/// Immutable. Checks that need the schema (an unknown rpc, a path parameter the request
/// message lacks, an rpc no backend serves) happen here, at load, never per request.
final class GatewaySnapshot: Sendable {
    struct Route: Sendable {
        let method: String
        let template: PathTemplate
        let call: Call
        let timeout: Duration
    }

    struct Call: Sendable {
        let name: String
        let method: MethodInfo
        let backendName: String
        let backend: GRPCBackendClient
        let timeout: Duration
    }

    let routes: [Route]
    let codec: ProtoJSONCodec
    let maxBodySize: Int
    let backends: [String: GRPCBackendClient]

    private init(routes: [Route], codec: ProtoJSONCodec, maxBodySize: Int, backends: [String: GRPCBackendClient]) {
        self.routes = routes
        self.codec = codec
        self.maxBodySize = maxBodySize
        self.backends = backends
    }

    /// Compiles `config` against `schema`.
    /// - Throws: `ConfigError` with every problem, each at the line that caused it.
    static func build(config: GatewayConfig, schema: Schema) throws(ConfigError) -> GatewaySnapshot {
        var diagnostics: [ConfigDiagnostic] = []
        func report(_ at: Located<String>, _ path: String, _ message: String) {
            diagnostics.append(ConfigDiagnostic(file: config.file, line: at.line, column: at.column, path: path, message: message))
        }

        var clients: [String: GRPCBackendClient] = [:]
        var backendOfService: [String: BackendConfig] = [:]
        for backend in config.backends {
            for service in backend.services {
                if schema.methods(ofService: service.value) == nil {
                    report(service, "backends.\(backend.name).services", "the schema has no service \(service.value)")
                } else if let other = backendOfService[service.value] {
                    report(service, "backends.\(backend.name).services", "service \(service.value) is already served by backend \(other.name)")
                } else {
                    backendOfService[service.value] = backend
                }
            }
            if backend.targets.count > 1 {
                report(backend.targets[1], "backends.\(backend.name).targets", "several targets per backend are not supported yet; list one")
            }
            if let target = backend.targets.first, let (host, port) = hostPort(target.value) {
                clients[backend.name] = GRPCBackendClient(host: host, port: port)
            }
        }

        var routes: [Route] = []
        for (index, route) in config.routes.enumerated() {
            let path = "routes[\(index)]"
            let template: PathTemplate
            do {
                template = try PathTemplate(route.path.value)
            } catch {
                report(route.path, "\(path).\(route.method.lowercased())", error.message)
                continue
            }
            if routes.contains(where: { $0.method == route.method && $0.template.segments == template.segments }) {
                report(route.path, "\(path).\(route.method.lowercased())", "another route already serves \(route.method) \(template)")
            }
            guard let callConfig = route.calls.first else { continue }
            let callPath = "\(path).calls.\(callConfig.name.value)"
            guard let method = schema.method(named: callConfig.rpc.value) else {
                report(callConfig.rpc, callPath + ".rpc", "the schema has no method \(callConfig.rpc.value) (write package.Service/Method)")
                continue
            }
            let service = String(method.fullName.split(separator: "/").first ?? "")
            guard let backend = backendOfService[service], let client = clients[backend.name] else {
                report(callConfig.rpc, callPath + ".rpc", "no backend lists service \(service)")
                continue
            }
            for name in template.parameterNames where !schema.requestField(name, of: method).exists {
                report(route.path, "\(path).\(route.method.lowercased())",
                       "path parameter {\(name)} is not a field of \(schema.requestTypeName(of: method))")
            }
            let call = Call(
                name: callConfig.name.value,
                method: method,
                backendName: backend.name,
                backend: client,
                timeout: callConfig.timeout ?? backend.timeout
            )
            routes.append(Route(method: route.method, template: template, call: call, timeout: route.timeout))
        }
        guard diagnostics.isEmpty else { throw ConfigError(diagnostics: diagnostics) }
        return GatewaySnapshot(
            routes: routes,
            codec: ProtoJSONCodec(schema: schema, options: config.json),
            maxBodySize: config.server.maxBodySize,
            backends: clients
        )
    }
}
