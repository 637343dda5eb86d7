/// A JSON number that remembers how it should render.
///
/// Integers stay exact (a 64-bit id survives a round trip), and `quoted` numbers render as
/// JSON strings, which is how the proto3 JSON mapping writes 64-bit integers, while still
/// comparing as numbers.
public struct JSONNumber: Sendable {
    /// The stored representation.
    public enum Storage: Sendable {
        case int(Int64)
        case uint(UInt64)
        case float(Float)
        case double(Double)
    }

    public var storage: Storage
    /// Render as a JSON string (`"42"`) rather than a bare number.
    public var quoted: Bool

    public init(_ value: Int64, quoted: Bool = false) {
        self.storage = .int(value)
        self.quoted = quoted
    }

    public init(_ value: UInt64, quoted: Bool = false) {
        self.storage = value <= UInt64(Int64.max) ? .int(Int64(value)) : .uint(value)
        self.quoted = quoted
    }

    public init(_ value: Double) {
        self.storage = .double(value)
        self.quoted = false
    }

    /// A 32-bit float, kept as such so it renders with its own shortest digits (`0.1`, not
    /// `0.10000000149011612`).
    public init(_ value: Float) {
        self.storage = .float(value)
        self.quoted = false
    }

    /// The value as a double, for comparisons and arithmetic.
    public var doubleValue: Double {
        switch storage {
        case .int(let v): Double(v)
        case .uint(let v): Double(v)
        case .float(let v): Double(v)
        case .double(let v): v
        }
    }

    /// The value as an exact `Int64` when it is integral and in range.
    public var int64Value: Int64? {
        switch storage {
        case .int(let v): return v
        case .uint: return nil
        case .float(let v): return Self.exactInt64(Double(v))
        case .double(let v): return Self.exactInt64(v)
        }
    }

    /// The value as an exact `UInt64` when it is integral, non-negative and in range.
    public var uint64Value: UInt64? {
        switch storage {
        case .int(let v): return v >= 0 ? UInt64(v) : nil
        case .uint(let v): return v
        case .float(let v): return Self.exactUInt64(Double(v))
        case .double(let v): return Self.exactUInt64(v)
        }
    }

    /// Whether the number has no fractional part.
    public var isIntegral: Bool {
        switch storage {
        case .int, .uint: true
        case .float(let v): v.isFinite && v.rounded(.towardZero) == v
        case .double(let v): v.isFinite && v.rounded(.towardZero) == v
        }
    }

    private static func exactInt64(_ v: Double) -> Int64? {
        // 2^63 is exactly representable; anything at or above it overflows.
        guard v.isFinite, v.rounded(.towardZero) == v, v >= -0x1p63, v < 0x1p63 else { return nil }
        return Int64(v)
    }

    private static func exactUInt64(_ v: Double) -> UInt64? {
        guard v.isFinite, v.rounded(.towardZero) == v, v >= 0, v < 0x1p64 else { return nil }
        return UInt64(v)
    }
}

extension JSONNumber: Hashable {
    /// Numbers are equal when their values are, whatever their storage or rendering:
    /// `1`, `1.0` and `"1"` (quoted) compare equal, as JMESPath requires.
    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        switch (lhs.storage, rhs.storage) {
        case (.int(let a), .int(let b)): return a == b
        case (.uint(let a), .uint(let b)): return a == b
        case (.int, .uint), (.uint, .int): return false  // .uint holds only values above Int64.max
        default:
            if let a = lhs.int64Value, let b = rhs.int64Value { return a == b }
            return lhs.doubleValue == rhs.doubleValue
        }
    }

    public func hash(into hasher: inout Hasher) {
        if let i = int64Value {
            hasher.combine(i)
        } else {
            hasher.combine(doubleValue)
        }
    }
}
