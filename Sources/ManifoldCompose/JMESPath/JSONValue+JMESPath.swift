internal import ManifoldCore

extension JSONValue {
    /// JMESPath's truthiness: false, null, and empty strings, arrays and objects are false;
    /// everything else, every number included, is true.
    var isTruthy: Bool {
        switch self {
        case .null: false
        case .bool(let value): value
        case .number: true
        case .string(let value): !value.isEmpty
        case .array(let elements): !elements.isEmpty
        case .object(let object): !object.isEmpty
        }
    }

    var isNull: Bool {
        if case .null = self { true } else { false }
    }
}

extension JSONNumber {
    /// Orders two numbers by value, exactly when both are integers so that ids above 2^53
    /// (int64s the proto3 mapping quotes) still order correctly.
    static func jmesPathCompare(_ lhs: JSONNumber, _ rhs: JSONNumber) -> Int {
        if let a = lhs.int64Value, let b = rhs.int64Value { return a < b ? -1 : (a == b ? 0 : 1) }
        if let a = lhs.uint64Value, let b = rhs.uint64Value { return a < b ? -1 : (a == b ? 0 : 1) }
        let a = lhs.doubleValue
        let b = rhs.doubleValue
        return a < b ? -1 : (a == b ? 0 : 1)
    }

    /// The same number rendered as a bare JSON number; arithmetic results are never quoted.
    var unquoted: JSONNumber {
        var copy = self
        copy.quoted = false
        return copy
    }
}

extension String {
    /// Orders strings by code point, as JMESPath specifies. UTF-8 byte order is code point
    /// order, and unlike `<` it does not normalize first.
    static func jmesPathPrecedes(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }
}
