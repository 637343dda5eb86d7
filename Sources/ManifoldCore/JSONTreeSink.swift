/// A `JSONSink` that builds a `JSONValue` tree.
///
/// Open containers sit on stacks of their own kind, so appending to the innermost one
/// mutates it in place instead of copying an enum payload per member.
public struct JSONTreeSink: JSONSink {
    private enum Open { case object, array }

    private var open: [Open] = []
    private var objects: [JSONObject] = []
    private var keys: [String] = []
    private var arrays: [[JSONValue]] = []
    /// The finished root value, once the outermost container is closed (or a scalar root).
    public private(set) var value: JSONValue = .null

    public init() {}

    private mutating func add(_ element: JSONValue) {
        switch open.last {
        case .object?: objects[objects.count - 1].appendUnique(keys.removeLast(), element)
        case .array?: arrays[arrays.count - 1].append(element)
        case nil: value = element
        }
    }

    public mutating func beginObject() {
        open.append(.object)
        objects.append(JSONObject())
    }

    public mutating func endObject() {
        open.removeLast()
        add(.object(objects.removeLast()))
    }

    public mutating func beginArray() {
        open.append(.array)
        arrays.append([])
    }

    public mutating func endArray() {
        open.removeLast()
        add(.array(arrays.removeLast()))
    }

    public mutating func key(_ key: JSONKey) { keys.append(key.name) }
    public mutating func key(utf8: UnsafeRawBufferPointer) { keys.append(String(decoding: utf8, as: UTF8.self)) }
    public mutating func null() { add(.null) }
    public mutating func bool(_ value: Bool) { add(.bool(value)) }
    public mutating func number(_ value: JSONNumber) { add(.number(value)) }
    public mutating func string(utf8: UnsafeRawBufferPointer) { add(.string(String(decoding: utf8, as: UTF8.self))) }
    public mutating func string(_ value: String) { add(.string(value)) }
    public mutating func base64(_ bytes: UnsafeRawBufferPointer) { add(.string(Base64.encode(bytes))) }
}
