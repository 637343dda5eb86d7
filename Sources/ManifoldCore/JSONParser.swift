/// Parses JSON text into a `JSONValue` tree, strictly (see `JSONReader`, which does the
/// reading).
public enum JSONParser {
    /// Deepest nesting of arrays and objects accepted.
    public static let defaultMaxDepth = JSONReader.defaultMaxDepth

    /// Parses one JSON value that must fill the whole input (surrounding whitespace allowed).
    public static func parse(
        _ bytes: UnsafeRawBufferPointer,
        maxDepth: Int = defaultMaxDepth
    ) throws(JSONParseError) -> JSONValue {
        var reader = JSONReader(bytes, maxDepth: maxDepth)
        let value = try reader.readValue()
        try reader.finish()
        return value
    }

    /// Parses a JSON value from a byte array.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        do {
            return try bytes.withUnsafeBytes { try parse($0, maxDepth: maxDepth) }
        } catch let error as JSONParseError {
            throw error
        } catch {
            throw JSONParseError(offset: 0, message: "\(error)")  // unreachable: parse throws only JSONParseError
        }
    }

    /// Parses a JSON value from a string.
    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }
}
