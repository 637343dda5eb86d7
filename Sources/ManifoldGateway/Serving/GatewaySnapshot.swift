import HTTPTypes
import ManifoldCompose
import ManifoldCore
import ManifoldSchema
import ManifoldTransport

/// Everything serving a request needs, compiled once from a config: the schema and codec,
/// the routes with their path templates and call plans, and a client per backend.
///
/// Immutable. Checks that need the schema (an unknown rpc, a request field the message
/// lacks, an rpc no backend serves) and the plan checks (cycles, unknown names, bad
/// expressions) happen here, at load, never per request.
final class GatewaySnapshot: Sendable {
    struct Route: Sendable {
        let method: String
        let template: PathTemplate
        let plan: CallPlan<CallTarget>
        let timeout: Duration
        /// Every call binds path, query and body by name (no templates), so a query
        /// parameter no call's request has is a client error.
        let strictQuery: Bool
    }

    let routes: [Route]
    let codec: ProtoJSONCodec
    let clients: ClientsConfig
    /// The header that names the client, validated once here rather than per request.
    let clientHeader: HTTPField.Name?
    /// The query parameter that names the client: the gateway's own, never a request field.
    let clientQueryParameter: String?
    /// Every client some route has a shape for, and the default: what a path prefix may name.
    let clientNames: Set<String>
    let maxBodySize: Int
    let backends: [String: GRPCBackendClient]

    private init(routes: [Route], codec: ProtoJSONCodec, clients: ClientsConfig, maxBodySize: Int, backends: [String: GRPCBackendClient]) {
        self.routes = routes
        self.codec = codec
        self.clients = clients
        if case .header(let name) = clients.source { clientHeader = HTTPField.Name(name) } else { clientHeader = nil }
        if case .query(let name) = clients.source { clientQueryParameter = name } else { clientQueryParameter = nil }
        self.clientNames = routes.reduce(into: [clients.defaultClient]) { names, route in names.formUnion(route.plan.responses.keys) }
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
            let targets = backend.targets.compactMap { BackendTarget($0.value) }
            if !targets.isEmpty, targets.count == backend.targets.count {
                clients[backend.name] = GRPCBackendClient(targets: targets, configuration: backend.client)
            }
        }

        var routes: [Route] = []
        for (index, route) in config.routes.enumerated() {
            let path = "routes[\(index)]"
            let methodKey = "\(path).\(route.method.lowercased())"
            let template: PathTemplate
            do {
                template = try PathTemplate(route.path.value)
            } catch {
                report(route.path, methodKey, error.message)
                continue
            }
            if routes.contains(where: { $0.method == route.method && $0.template.segments == template.segments }) {
                report(route.path, methodKey, "another route already serves \(route.method) \(template)")
            }

            var specs: [CallSpec<CallTarget>] = []
            var located: [String: CallConfig] = [:]
            for call in route.calls {
                let callPath = "\(path).calls.\(call.name.value)"
                located[call.name.value] = call
                guard let method = schema.method(named: call.rpc.value) else {
                    report(call.rpc, callPath + ".rpc", "the schema has no method \(call.rpc.value) (write package.Service/Method)")
                    continue
                }
                let service = String(method.fullName.split(separator: "/").first ?? "")
                guard let backend = backendOfService[service], let client = clients[backend.name] else {
                    report(call.rpc, callPath + ".rpc", "no backend lists service \(service)")
                    continue
                }
                if call.request == nil {
                    for name in template.parameterNames where !schema.requestField(name, of: method).exists {
                        report(route.path, methodKey, "path parameter {\(name)} is not a field of \(schema.requestTypeName(of: method)) (call \(call.name.value))")
                    }
                } else if let request = call.request, let keys = try? JMESPath(request.value).objectKeys {
                    for key in keys where !schema.requestField(key, of: method).exists {
                        report(request, callPath + ".request", "\(schema.requestTypeName(of: method)) has no field \"\(key)\"")
                    }
                }
                specs.append(
                    CallSpec(
                        name: call.name.value,
                        target: CallTarget(method: method, backendName: backend.name, backend: client),
                        request: call.request?.value,
                        when: call.when?.value,
                        each: call.each?.value,
                        concurrency: call.concurrency,
                        optional: call.optional,
                        timeout: call.timeout ?? backend.timeout
                    )
                )
            }
            guard specs.count == route.calls.count else { continue }
            do {
                let plan = try PlanBuilder.build(
                    calls: specs,
                    responses: route.respondByClient.mapValues(\.value),
                    defaultResponse: route.respond?.value
                )
                routes.append(
                    Route(
                        method: route.method, template: template, plan: plan, timeout: route.timeout,
                        strictQuery: route.calls.allSatisfy { $0.request == nil }
                    )
                )
            } catch {
                for problem in error.errors {
                    let (at, documentPath) = locate(problem, route: route, calls: located, path: path)
                    report(at, documentPath, problem.message)
                }
            }
        }
        guard diagnostics.isEmpty else { throw ConfigError(diagnostics: diagnostics) }
        return GatewaySnapshot(
            routes: routes,
            codec: ProtoJSONCodec(schema: schema, options: config.json),
            clients: config.clients,
            maxBodySize: config.server.maxBodySize,
            backends: clients
        )
    }

    /// Where in the file a plan problem points: the expression it is about, else the call's
    /// name, else the route's path; a syntax error's column moves to the bad character.
    private static func locate(_ problem: ComposeError, route: RouteConfig, calls: [String: CallConfig], path: String) -> (Located<String>, String) {
        let parts = problem.location.split(separator: ".", maxSplits: 1).map(String.init)
        var at = route.path
        var documentPath = "\(path).\(problem.location)"
        if parts[0] == "respond" {
            documentPath = "\(path).\(problem.location)"
            at = parts.count > 1 ? (route.respondByClient[parts[1]] ?? at) : (route.respond ?? at)
        } else if let call = calls[parts[0]] {
            documentPath = "\(path).calls.\(problem.location)"
            at = call.name
            if parts.count > 1 {
                switch parts[1] {
                case "request": at = call.request ?? at
                case "when": at = call.when ?? at
                case "each": at = call.each ?? at
                default: break
                }
            }
        }
        if let position = problem.position, at.value.count > position {
            at.column += position
        }
        return (at, documentPath)
    }
}
