public import ManifoldSchema
public import ManifoldTransport

/// A loaded, validated-for-shape gateway config: the YAML document as values, every value
/// with the position it came from so later checks can point at it.
public struct GatewayConfig: Sendable {
    public var file: String
    /// The folder relative paths in the config are resolved against.
    public var baseDirectory: String
    public var server: ServerConfig
    public var schema: SchemaConfig
    public var json: JSONOptions
    public var backends: [BackendConfig]
    public var clients: ClientsConfig
    public var routes: [RouteConfig]
}

/// `clients:`: how a request says which kind of client it comes from.
public struct ClientsConfig: Sendable {
    public enum Source: Sendable, Equatable {
        case header(String)
        case query(String)
        /// The first path segment, when it names a client: `/mobile/products/42`.
        case pathPrefix
    }

    public var source: Source
    /// The client assumed when a request names none, or one no route knows.
    public var defaultClient: String

    public static let defaults = ClientsConfig(source: .header("x-client"), defaultClient: "web")
}

/// `server:`: where the gateway listens.
public struct ServerConfig: Sendable {
    public var host: String
    public var port: Int
    /// Largest request body accepted, in bytes.
    public var maxBodySize: Int

    public static let defaults = ServerConfig(host: "127.0.0.1", port: 8080, maxBodySize: 1 << 20)
}

/// `schema:`: where the protos come from; paths already resolved against the config folder.
public struct SchemaConfig: Sendable {
    public var protoRoots: [String]
    public var descriptorSets: [String]
}

/// One entry of `backends:`.
public struct BackendConfig: Sendable {
    public var name: String
    public var services: [Located<String>]
    public var targets: [Located<String>]
    /// Default per-call timeout for calls to this backend.
    public var timeout: Duration
    /// Connections, balancing, health checks, compression and keepalive.
    public var client: GRPCBackendClient.Configuration

    public static let defaultTimeout: Duration = .seconds(5)
}

/// One entry of `routes:`.
public struct RouteConfig: Sendable {
    public var method: String
    public var path: Located<String>
    public var calls: [CallConfig]
    /// Bounds the whole request.
    public var timeout: Duration
    /// `respond: EXPR`: one shape for every client.
    public var respond: Located<String>?
    /// `respond: {web: EXPR, mobile: EXPR}`: a shape per client.
    public var respondByClient: [String: Located<String>]

    public static let defaultTimeout: Duration = .seconds(10)
}

/// One named call of a route.
public struct CallConfig: Sendable {
    public var name: Located<String>
    public var rpc: Located<String>
    /// Overrides the backend's timeout for this call.
    public var timeout: Duration?
    /// JMESPath building the request message; nil binds path, query and body by name.
    public var request: Located<String>?
    /// JMESPath; the call runs only when it is truthy.
    public var when: Located<String>?
    /// JMESPath giving a list; the call runs once per element.
    public var each: Located<String>?
    /// Most `each` calls in flight at once.
    public var concurrency: Int
    /// On failure the call is null and the response lists it under `errors`.
    public var optional: Bool

    public static let defaultConcurrency = 8
}

/// A config value and where it was written.
public struct Located<Value: Sendable>: Sendable {
    public var value: Value
    public var line: Int
    public var column: Int
}
