/// One HTTP/2 header field or gRPC metadata entry. Names are lower-case, as HTTP/2 requires.
public struct HeaderField: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

extension Array where Element == HeaderField {
    /// The value of the first field named `name`.
    public subscript(name: String) -> String? {
        first { $0.name == name }?.value
    }
}
