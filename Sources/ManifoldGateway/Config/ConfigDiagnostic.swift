/// One problem found in a config, printed like a compiler diagnostic.
public struct ConfigDiagnostic: Sendable, CustomStringConvertible {
    public var file: String
    /// 1-based, from Yams' marks.
    public var line: Int
    public var column: Int
    /// Where in the document: `routes[0].calls.product.rpc`.
    public var path: String
    public var message: String

    public var description: String { "\(file):\(line):\(column): error: \(path): \(message)" }
}

/// Why a config could not be loaded: every problem found, not just the first.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// The problems in document order.
    public var diagnostics: [ConfigDiagnostic]

    public init(diagnostics: [ConfigDiagnostic]) {
        self.diagnostics = diagnostics.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
