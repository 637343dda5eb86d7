/// A strict RFC 8259 JSON reader over UTF-8 bytes that hands out one value at a time
/// (`JSONSource`), so a consumer can translate JSON without building a tree first.
///
/// Strict because its input comes from clients: no comments, no trailing commas, no
/// leading zeros, no lone surrogates, valid UTF-8 only, and a nesting limit so a hostile
/// body cannot exhaust the stack. Integers stay exact. Strings without escapes are handed
/// out as slices of the input, with no copy.
public struct JSONReader: JSONSource {
    /// Deepest nesting of arrays and objects accepted.
    public static let defaultMaxDepth = 128

    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    private let maxDepth: Int
    private var depth = 0
    /// Set just after `{` or `[`: the next member or element is the first, so no comma.
    private var atFirst = false
    /// Where the last key read starts, for the parser's duplicate-key error.
    private var keyOffset = 0
    /// Where escaped strings are unescaped; made on the first escape.
    private var scratch: ByteScratch?

    /// Lifetime: `bytes` must outlive the reader and every string it hands out.
    public init(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// Checks that nothing but whitespace follows the value read.
    public mutating func finish() throws(JSONParseError) {
        skipWhitespace()
        guard index == bytes.count else { throw error("unexpected data after the value") }
    }

    // MARK: - JSONSource

    public mutating func peek() throws(JSONParseError) -> JSONKind {
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        // Literals are checked whole here, so a misspelling reads as bad syntax rather
        // than as a value of the wrong type.
        case UInt8(ascii: "t"): try checkLiteral("true"); return .bool
        case UInt8(ascii: "f"): try checkLiteral("false"); return .bool
        case UInt8(ascii: "n"): try checkLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw error("unexpected character \(describe(bytes[index]))")
        }
    }

    public mutating func readNull() throws(JSONParseError) {
        skipWhitespace()
        try expectLiteral("null")
    }

    public mutating func readBool() throws(JSONParseError) -> Bool {
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "t") {
            try expectLiteral("true")
            return true
        }
        try expectLiteral("false")
        return false
    }

    public mutating func readNumber() throws(JSONParseError) -> JSONNumber {
        skipWhitespace()
        let start = index
        let (end, isInteger) = try Self.scanNumber(bytes, from: index)
        index = end
        guard let number = Self.number(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), isInteger: isInteger) else {
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
            throw JSONParseError(offset: start, message: "number \(text) is out of range")
        }
        return number
    }

    public mutating func readString() throws(JSONParseError) -> UnsafeRawBufferPointer {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a string") }
        return try scanString()
    }

    public mutating func beginObject() throws(JSONParseError) {
        skipWhitespace()
        try enterContainer()
        index += 1  // {
        atFirst = true
    }

    public mutating func nextKey() throws(JSONParseError) -> UnsafeRawBufferPointer? {
        skipWhitespace()
        if atFirst {
            atFirst = false
            if peekByte() == UInt8(ascii: "}") {
                endContainer()
                return nil
            }
        } else {
            switch peekByte() {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                endContainer()
                return nil
            default: throw error("expected ',' or '}' in an object")
            }
        }
        guard peekByte() == UInt8(ascii: "\"") else { throw error("expected a string key") }
        keyOffset = index
        let key = try scanString()
        skipWhitespace()
        guard peekByte() == UInt8(ascii: ":") else { throw error("expected ':' after an object key") }
        index += 1
        return key
    }

    public mutating func beginArray() throws(JSONParseError) {
        skipWhitespace()
        try enterContainer()
        index += 1  // [
        atFirst = true
    }

    public mutating func nextElement() throws(JSONParseError) -> Bool {
        skipWhitespace()
        if atFirst {
            atFirst = false
            if peekByte() == UInt8(ascii: "]") {
                endContainer()
                return false
            }
            return true
        }
        switch peekByte() {
        case UInt8(ascii: ","):
            index += 1
            return true
        case UInt8(ascii: "]"):
            endContainer()
            return false
        default: throw error("expected ',' or ']' in an array")
        }
    }

    public mutating func readValue() throws(JSONParseError) -> JSONValue {
        switch try peek() {
        case .null:
            try readNull()
            return .null
        case .bool: return .bool(try readBool())
        case .number: return .number(try readNumber())
        case .string: return .string(String(decoding: try readString(), as: UTF8.self))  // valid already
        case .array:
            try beginArray()
            var array: [JSONValue] = []
            while try nextElement() { array.append(try readValue()) }
            return .array(array)
        case .object:
            try beginObject()
            var object = JSONObject()
            var keys = JSONKeySet()
            while let keyBytes = try nextKey() {
                let key = String(decoding: keyBytes, as: UTF8.self)
                guard keys.insert(key, after: object.members.lazy.map(\.key)) else { throw JSONParseError(offset: keyOffset, message: "duplicate key \"\(key)\"") }
                object.appendUnique(key, try readValue())
            }
            return .object(object)
        }
    }

    public mutating func skipValue() throws(JSONParseError) {
        switch try peek() {
        case .null: try readNull()
        case .bool: _ = try readBool()
        case .number: _ = try readNumber()
        case .string: _ = try readString()
        case .array:
            try beginArray()
            while try nextElement() { try skipValue() }
        case .object:
            try beginObject()
            while try nextKey() != nil { try skipValue() }
        }
    }

    // MARK: - Containers

    private mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        guard depth <= maxDepth else { throw error("nesting deeper than \(maxDepth) levels") }
    }

    /// Consumes the closing bracket.
    private mutating func endContainer() {
        index += 1
        depth -= 1
    }

    // MARK: - Strings

    /// The string starting at the opening quote under `index`.
    private mutating func scanString() throws(JSONParseError) -> UnsafeRawBufferPointer {
        index += 1  // opening quote
        let start = index
        var ascii = true
        // Fast path: no escapes, so the string is the bytes between the quotes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
                index += 1
                guard ascii || UTF8Validation.isValid(slice) else {
                    throw JSONParseError(offset: start, message: "string is not valid UTF-8")
                }
                return slice
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("control character in a string; escape it") }
            ascii = ascii && byte < 0x80
            index += 1
        }
        guard index < bytes.count else { throw error("unterminated string") }
        return try unescapeString(from: start)
    }

    /// The slow path: the string from `start` has an escape at `index`; it is rebuilt in
    /// the scratch buffer.
    private mutating func unescapeString(from start: Int) throws(JSONParseError) -> UnsafeRawBufferPointer {
        let scratch = self.scratch ?? ByteScratch()
        self.scratch = scratch
        var count = index - start
        scratch.reserve(count + 16)
        scratch.base.copyMemory(from: bytes.baseAddress! + start, byteCount: count)
        func append(_ byte: UInt8) {
            scratch.reserve(count + 1, keeping: count)
            scratch.base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
            count += 1
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                let string = UnsafeRawBufferPointer(start: scratch.base, count: count)
                guard UTF8Validation.isValid(string) else {
                    throw JSONParseError(offset: start, message: "string is not valid UTF-8")
                }
                return string
            case UInt8(ascii: "\\"):
                try parseEscape(append)
            case 0..<0x20:
                throw error("control character in a string; escape it")
            default:
                append(byte)
                index += 1
            }
        }
        throw error("unterminated string")
    }

    private mutating func parseEscape(_ append: (UInt8) -> Void) throws(JSONParseError) {
        index += 1  // backslash
        guard index < bytes.count else { throw error("unterminated escape") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): append(byte)
        case UInt8(ascii: "b"): append(0x08)
        case UInt8(ascii: "f"): append(0x0C)
        case UInt8(ascii: "n"): append(0x0A)
        case UInt8(ascii: "r"): append(0x0D)
        case UInt8(ascii: "t"): append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                else { throw error("unpaired surrogate in \\u escape") }
                index += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate in \\u escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw error("unpaired surrogate in \\u escape")
            }
            // Every value reaching here is a valid scalar: surrogates were paired or rejected.
            for unit in UTF8.encode(Unicode.Scalar(scalar)!)! { append(unit) }
        default:
            index -= 1
            throw error("invalid escape character \(describe(byte))")
        }
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    // MARK: - Numbers

    /// The number that `text` spells in JSON's grammar and nothing else (no whitespace), or
    /// nil. For the numbers the proto3 JSON mapping accepts inside strings (`"42"`).
    public static func number(in text: UnsafeRawBufferPointer) -> JSONNumber? {
        guard let (end, isInteger) = try? scanNumber(text, from: 0), end == text.count else { return nil }
        return number(text, isInteger: isInteger)
    }

    /// Where the number starting at `start` ends, and whether it is an integer.
    private static func scanNumber(_ bytes: UnsafeRawBufferPointer, from start: Int) throws(JSONParseError) -> (end: Int, isInteger: Bool) {
        // Plain loops over `index`: nested functions capturing it cost a dynamic exclusivity
        // check per byte (callgrind: a fifth of a small message's encoding).
        // Past the end reads as 0, which is neither a digit nor a sign.
        @inline(__always) func byte(_ at: Int) -> UInt8 { at < bytes.count ? bytes[at] : 0 }
        var index = start
        var isInteger = true
        if byte(index) == UInt8(ascii: "-") { index += 1 }
        guard Self.isDigit(byte(index)) else { throw JSONParseError(offset: index, message: "expected a digit") }
        if byte(index) == UInt8(ascii: "0") {
            index += 1
            if Self.isDigit(byte(index)) { throw JSONParseError(offset: index, message: "leading zeros are not allowed") }
        } else {
            while Self.isDigit(byte(index)) { index += 1 }
        }
        if byte(index) == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard Self.isDigit(byte(index)) else { throw JSONParseError(offset: index, message: "expected a digit after '.'") }
            while Self.isDigit(byte(index)) { index += 1 }
        }
        if byte(index) | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            index += 1
            if byte(index) == UInt8(ascii: "+") || byte(index) == UInt8(ascii: "-") { index += 1 }
            guard Self.isDigit(byte(index)) else { throw JSONParseError(offset: index, message: "expected a digit in the exponent") }
            while Self.isDigit(byte(index)) { index += 1 }
        }
        return (index, isInteger)
    }

    /// The value of a well-formed number's text; nil when it is out of range.
    private static func number(_ text: UnsafeRawBufferPointer, isInteger: Bool) -> JSONNumber? {
        let negative = text.first == UInt8(ascii: "-")
        if isInteger, text.count - (negative ? 1 : 0) <= 18 {
            // Up to 18 digits cannot overflow an Int64: add them up directly.
            var value: Int64 = 0
            for index in (negative ? 1 : 0)..<text.count { value = value &* 10 &+ Int64(text[index] &- UInt8(ascii: "0")) }
            return JSONNumber(negative ? -value : value)
        }
        if let exact = exactInteger(text) { return exact }
        guard let value = Double(String(decoding: text, as: UTF8.self)), value.isFinite else { return nil }
        return JSONNumber(value)
    }

    // MARK: - Helpers

    private func peekByte() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        try checkLiteral(literal)
        index += literal.utf8CodeUnitCount
    }

    /// Checks that `literal` is next, without reading it.
    private func checkLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("unexpected end of input") }
        let expected = UnsafeRawBufferPointer(start: literal.utf8Start, count: count)
        for i in 0..<count where bytes[index + i] != expected[i] {
            throw error("invalid literal; expected \(literal)")
        }
    }

    private func error(_ message: String) -> JSONParseError {
        JSONParseError(offset: index, message: message)
    }

    private func describe(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }
}
