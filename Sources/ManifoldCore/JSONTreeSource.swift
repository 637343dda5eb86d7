/// A `JSONSource` that walks a `JSONValue` tree, for values the composition layer built.
public struct JSONTreeSource: JSONSource {
    private enum Open {
        case object(JSONObject, next: Int)
        case array([JSONValue], next: Int)
    }

    private var open: [Open] = []
    /// The value to be read next; nil between a container's members.
    private var pending: JSONValue?
    /// Where strings are copied to be handed out as pointers.
    private let scratch = ByteScratch()

    public init(_ root: JSONValue) {
        pending = root
    }

    private func mismatch(_ expected: String) -> JSONParseError {
        JSONParseError(offset: 0, message: "expected \(expected), got \(pending?.typeName ?? "nothing")")
    }

    public mutating func peek() throws(JSONParseError) -> JSONKind {
        pending?.kind ?? .null
    }

    public mutating func readNull() throws(JSONParseError) {
        guard case .null? = pending else { throw mismatch("null") }
        pending = nil
    }

    public mutating func readBool() throws(JSONParseError) -> Bool {
        guard case .bool(let value)? = pending else { throw mismatch("a boolean") }
        pending = nil
        return value
    }

    public mutating func readNumber() throws(JSONParseError) -> JSONNumber {
        guard case .number(let value)? = pending else { throw mismatch("a number") }
        pending = nil
        return value
    }

    public mutating func readString() throws(JSONParseError) -> UnsafeRawBufferPointer {
        guard case .string(let value)? = pending else { throw mismatch("a string") }
        pending = nil
        return scratch.copy(value.utf8)
    }

    public mutating func beginObject() throws(JSONParseError) {
        guard case .object(let object)? = pending else { throw mismatch("an object") }
        pending = nil
        open.append(.object(object, next: 0))
    }

    public mutating func nextKey() throws(JSONParseError) -> UnsafeRawBufferPointer? {
        guard case .object(let object, let next)? = open.last else { throw mismatch("an object") }
        guard next < object.count else {
            open.removeLast()
            return nil
        }
        open[open.count - 1] = .object(object, next: next + 1)
        let member = object.members[next]
        pending = member.value
        return scratch.copy(member.key.utf8)
    }

    public mutating func beginArray() throws(JSONParseError) {
        guard case .array(let array)? = pending else { throw mismatch("an array") }
        pending = nil
        open.append(.array(array, next: 0))
    }

    public mutating func nextElement() throws(JSONParseError) -> Bool {
        guard case .array(let array, let next)? = open.last else { throw mismatch("an array") }
        guard next < array.count else {
            open.removeLast()
            return false
        }
        open[open.count - 1] = .array(array, next: next + 1)
        pending = array[next]
        return true
    }

    public mutating func readValue() throws(JSONParseError) -> JSONValue {
        guard let value = pending else { throw mismatch("a value") }
        pending = nil
        return value
    }

    public mutating func skipValue() throws(JSONParseError) { pending = nil }

    public mutating func finish() throws(JSONParseError) {}
}
