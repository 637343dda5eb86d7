internal import ManifoldCore

extension JMESPathInterpreter {
    /// Runs a built-in function; the parser has checked the argument count, the accessors of
    /// ``JMESPathArguments`` check the types.
    static func call(_ function: JMESPathFunction, _ arguments: JMESPathArguments) throws(JMESPathError) -> JSONValue {
        switch function {
        case .map, .maxBy, .minBy, .sortBy: try callWithExpression(function, arguments)
        default: try callWithValues(function, arguments)
        }
    }

    /// The functions taking an `&expression`, which evaluate it and so recurse: kept apart,
    /// and out of line, so that the frames a nested expression stacks up stay small.
    @inline(never)
    private static func callWithExpression(
        _ function: JMESPathFunction,
        _ arguments: JMESPathArguments
    ) throws(JMESPathError) -> JSONValue {
        switch function {
        case .map:
            let expression = try arguments.expression(0)
            var results: [JSONValue] = []
            for element in try arguments.array(1) { results.append(try evaluate(expression, element)) }
            return .array(results)
        case .maxBy, .minBy:
            let elements = try arguments.array(0)
            let keys = try sortKeys(elements, by: try arguments.expression(1), arguments)
            guard let index = extreme(of: keys, greatest: function == .maxBy) else { return .null }
            return elements[index]
        default:  // .sortBy
            let elements = try arguments.array(0)
            let keys = try sortKeys(elements, by: try arguments.expression(1), arguments)
            return .array(stableOrder(keys).map { elements[$0] })
        }
    }

    @inline(never)
    private static func callWithValues(_ function: JMESPathFunction, _ arguments: JMESPathArguments) throws(JMESPathError) -> JSONValue {
        switch function {
        case .abs:
            return .number(absolute(try arguments.number(0)))
        case .avg:
            let numbers = try arguments.numbers(0)
            guard !numbers.isEmpty else { return .null }
            return .number(JSONNumber(numbers.reduce(0.0) { $0 + $1.doubleValue } / Double(numbers.count)))
        case .ceil:
            return .number(rounded(try arguments.number(0), .up))
        case .floor:
            return .number(rounded(try arguments.number(0), .down))
        case .contains:
            let search = try arguments.value(1)
            switch try arguments.value(0) {
            case .array(let elements):
                return .bool(elements.contains(search))
            case .string(let string):
                guard case .string(let needle) = search else { return .bool(false) }
                return .bool(contains(string, needle))
            default:
                throw arguments.mismatch(0, expected: "an array or a string")
            }
        case .endsWith:
            let string = try arguments.string(0)
            return .bool(string.utf8.reversed().starts(with: try arguments.string(1).utf8.reversed()))
        case .startsWith:
            let string = try arguments.string(0)
            return .bool(string.utf8.starts(with: try arguments.string(1).utf8))
        case .join:
            let separator = try arguments.string(0)
            return .string(try arguments.strings(1).joined(separator: separator))
        case .keys:
            return .array(try arguments.object(0).keys.map(JSONValue.string))
        case .values:
            return .array(try arguments.object(0).members.map(\.value))
        case .length:
            switch try arguments.value(0) {
            case .string(let string): return .int(Int64(string.unicodeScalars.count))
            case .array(let elements): return .int(Int64(elements.count))
            case .object(let object): return .int(Int64(object.count))
            default: throw arguments.mismatch(0, expected: "a string, an array or an object")
            }
        case .max, .min:
            let elements = try arguments.array(0)
            guard let keys = SortKey.keys(of: elements) else {
                throw arguments.mismatch(0, expected: "an array of numbers or an array of strings")
            }
            guard let index = extreme(of: keys, greatest: function == .max) else { return .null }
            return elements[index]
        case .merge:
            var merged = JSONObject()
            for index in 0..<arguments.count {
                for (key, value) in try arguments.object(index).members { merged[key] = value }
            }
            return .object(merged)
        case .notNull:
            for index in 0..<arguments.count {
                let value = try arguments.value(index)
                if !value.isNull { return value }
            }
            return .null
        case .reverse:
            switch try arguments.value(0) {
            case .string(let string): return .string(String(String.UnicodeScalarView(string.unicodeScalars.reversed())))
            case .array(let elements): return .array(elements.reversed())
            default: throw arguments.mismatch(0, expected: "an array or a string")
            }
        case .sort:
            let elements = try arguments.array(0)
            guard let keys = SortKey.keys(of: elements) else {
                throw arguments.mismatch(0, expected: "an array of numbers or an array of strings")
            }
            return .array(stableOrder(keys).map { elements[$0] })
        case .sum:
            return .number(sum(try arguments.numbers(0)))
        case .toArray:
            let value = try arguments.value(0)
            if case .array = value { return value }
            return .array([value])
        case .toNumber:
            switch try arguments.value(0) {
            case .number(let number): return .number(number)
            case .string(let string):
                guard case .number(let number)? = try? JSONParser.parse(string) else { return .null }
                return .number(number)
            default: return .null
            }
        case .toString:
            let value = try arguments.value(0)
            if case .string = value { return value }
            return .string(JSONWriter.string(unquotingNumbers(value)))
        case .type:
            return .string(try arguments.value(0).typeName)
        case .map, .maxBy, .minBy, .sortBy:
            return try callWithExpression(function, arguments)
        }
    }

    // MARK: - Numbers

    /// Integers stay exact and keep their rendering; `abs(Int64.min)` moves to UInt64.
    private static func absolute(_ number: JSONNumber) -> JSONNumber {
        switch number.storage {
        case .int(let value): JSONNumber(value.magnitude, quoted: number.quoted)
        case .uint: number
        case .float(let value): JSONNumber(Swift.abs(value))
        case .double(let value): JSONNumber(Swift.abs(value))
        }
    }

    private static func rounded(_ number: JSONNumber, _ rule: FloatingPointRoundingRule) -> JSONNumber {
        switch number.storage {
        case .int, .uint: number
        case .float(let value): JSONNumber(Double(value).rounded(rule))
        case .double(let value): JSONNumber(value.rounded(rule))
        }
    }

    /// Exact while every addend is an Int64 and the total fits; a double otherwise.
    private static func sum(_ numbers: [JSONNumber]) -> JSONNumber {
        var exact: Int64? = 0
        var approximate = 0.0
        for number in numbers {
            if let total = exact, case .int(let value) = number.storage {
                let (next, overflow) = total.addingReportingOverflow(value)
                if !overflow {
                    exact = next
                    continue
                }
            }
            if let total = exact {
                approximate = Double(total)
                exact = nil
            }
            approximate += number.doubleValue
        }
        return exact.map { JSONNumber($0) } ?? JSONNumber(approximate)
    }

    /// The value with every number rendered bare: `to_string` shows numbers, not their
    /// proto3 JSON string form.
    private static func unquotingNumbers(_ value: JSONValue) -> JSONValue {
        switch value {
        case .number(let number): .number(number.unquoted)
        case .array(let elements): .array(elements.map(unquotingNumbers))
        case .object(let object): .object(JSONObject(object.members.map { ($0.key, unquotingNumbers($0.value)) }))
        case .null, .bool, .string: value
        }
    }

    // MARK: - Strings

    /// Substring search by code point (UTF-8 bytes), not by grapheme as `String` searches.
    private static func contains(_ string: String, _ needle: String) -> Bool {
        let haystack = Array(string.utf8)
        let pattern = Array(needle.utf8)
        guard let first = pattern.first else { return true }
        guard pattern.count <= haystack.count else { return false }
        for start in 0...(haystack.count - pattern.count) where haystack[start] == first {
            if haystack[start..<(start + pattern.count)].elementsEqual(pattern) { return true }
        }
        return false
    }

    // MARK: - Ordering

    /// The key of each element under `expression`; all numbers or all strings.
    private static func sortKeys(
        _ elements: [JSONValue],
        by expression: JMESPathNode,
        _ arguments: JMESPathArguments
    ) throws(JMESPathError) -> [SortKey] {
        var keys: [SortKey] = []
        keys.reserveCapacity(elements.count)
        for element in elements {
            let key = try evaluate(expression, element)
            guard let sortKey = SortKey(key), keys.first.map({ $0.isSameType(as: sortKey) }) ?? true else {
                throw .invalidType(
                    "\(arguments.function.name)() expression must give all numbers or all strings, got \(key.typeName)"
                )
            }
            keys.append(sortKey)
        }
        return keys
    }

    /// The index of the first greatest (or least) key, or nil when there are none.
    private static func extreme(of keys: [SortKey], greatest: Bool) -> Int? {
        guard !keys.isEmpty else { return nil }
        var best = 0
        for index in keys.indices.dropFirst() {
            let order = keys[index].compare(keys[best])
            if greatest ? order > 0 : order < 0 { best = index }
        }
        return best
    }

    /// Indexes in key order, equal keys keeping their original order (JMESPath sorts stably).
    private static func stableOrder(_ keys: [SortKey]) -> [Int] {
        keys.indices.sorted { a, b in
            let order = keys[a].compare(keys[b])
            return order != 0 ? order < 0 : a < b
        }
    }
}

/// A value JMESPath can order: numbers by value, strings by code point.
private enum SortKey {
    case number(JSONNumber)
    case string(String)

    init?(_ value: JSONValue) {
        switch value {
        case .number(let number): self = .number(number)
        case .string(let string): self = .string(string)
        default: return nil
        }
    }

    /// The keys of an array that holds only numbers or only strings, else nil.
    static func keys(of elements: [JSONValue]) -> [SortKey]? {
        var keys: [SortKey] = []
        keys.reserveCapacity(elements.count)
        for element in elements {
            guard let key = SortKey(element), keys.first.map({ $0.isSameType(as: key) }) ?? true else { return nil }
            keys.append(key)
        }
        return keys
    }

    func isSameType(as other: SortKey) -> Bool {
        switch (self, other) {
        case (.number, .number), (.string, .string): true
        default: false
        }
    }

    /// Negative, zero or positive; only called on keys of the same type.
    func compare(_ other: SortKey) -> Int {
        switch (self, other) {
        case (.number(let a), .number(let b)):
            return JSONNumber.jmesPathCompare(a, b)
        case (.string(let a), .string(let b)):
            if a.utf8.elementsEqual(b.utf8) { return 0 }
            return String.jmesPathPrecedes(a, b) ? -1 : 1
        default:
            return 0
        }
    }
}
