/// Where a consumer of JSON (the protobuf encoder) reads its input, one value at a time, so
/// the same consumer can read JSON text straight from the bytes (`JSONReader`) or walk a
/// `JSONValue` tree the composition layer built (`JSONTreeSource`).
///
/// Callers follow the shape they find: `peek` says what comes next, then exactly one read,
/// `skipValue` or container walk consumes it.
public protocol JSONSource {
    /// The kind of the next value, without reading it.
    mutating func peek() throws(JSONParseError) -> JSONKind
    mutating func readNull() throws(JSONParseError)
    mutating func readBool() throws(JSONParseError) -> Bool
    mutating func readNumber() throws(JSONParseError) -> JSONNumber
    /// The next string's UTF-8, unescaped and valid; it stays valid until the next call.
    mutating func readString() throws(JSONParseError) -> UnsafeRawBufferPointer
    mutating func beginObject() throws(JSONParseError)
    /// The next member's key (valid until the next call), its value to be read next; nil
    /// after the last member, when the object is done.
    mutating func nextKey() throws(JSONParseError) -> UnsafeRawBufferPointer?
    mutating func beginArray() throws(JSONParseError)
    /// Whether another element follows, to be read next; false when the array is done.
    mutating func nextElement() throws(JSONParseError) -> Bool
    /// The next value, whole.
    mutating func readValue() throws(JSONParseError) -> JSONValue
    mutating func skipValue() throws(JSONParseError)
    /// Checks that the input ends after the value read.
    mutating func finish() throws(JSONParseError)
}

/// The six kinds of JSON value.
public enum JSONKind: Sendable, Equatable {
    case null, bool, number, string, array, object

    /// The kind's name, as error messages spell it (and `JSONValue.typeName`).
    public var name: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// A growable byte buffer with a stable address, for strings a source must hand out as
/// pointers (escaped text, a tree's strings).
///
/// Lifetime: owned by one source and freed with it. What it hands out stays valid until
/// the next `copy` or `reserve`, which is why sources promise a string only until their
/// next call.
final class ByteScratch {
    private(set) var base: UnsafeMutableRawPointer
    private var capacity: Int

    init(capacity: Int = 64) {
        self.capacity = capacity
        self.base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 1)
    }

    deinit { base.deallocate() }

    /// Makes room for `count` bytes, keeping the first `keeping`.
    func reserve(_ count: Int, keeping: Int = 0) {
        guard count > capacity else { return }
        let newCapacity = max(count, capacity * 2)
        let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 1)
        grown.copyMemory(from: base, byteCount: keeping)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }

    /// A copy of `utf8` in the buffer, valid until the next call.
    func copy<C: Collection<UInt8>>(_ utf8: C) -> UnsafeRawBufferPointer {
        reserve(utf8.count)
        let (_, initialized) = UnsafeMutableRawBufferPointer(start: base, count: utf8.count).initializeMemory(as: UInt8.self, from: utf8)
        return UnsafeRawBufferPointer(start: base, count: initialized.count)
    }
}
