internal import ManifoldCore

/// One evaluated function argument: a value, or an unevaluated `&expression`.
enum JMESPathArgument {
    case value(JSONValue)
    case expression(JMESPathNode)

    var typeName: String {
        switch self {
        case .value(let value): value.typeName
        case .expression: "expression"
        }
    }
}

/// The arguments of one function call, with typed accessors that raise `invalid-type` when an
/// argument is not what the function's signature wants.
///
/// The parser has already checked the count, so indexes below the arity are always present.
struct JMESPathArguments {
    let function: JMESPathFunction
    let values: [JMESPathArgument]

    var count: Int { values.count }

    /// The error for argument `index` (0-based) not being `expected`.
    func mismatch(_ index: Int, expected: String) -> JMESPathError {
        let actual = index < values.count ? values[index].typeName : "nothing"
        return .invalidType("\(function.name)() argument \(index + 1) must be \(expected), got \(actual)")
    }

    /// Any value, but not an expression reference.
    func value(_ index: Int) throws(JMESPathError) -> JSONValue {
        guard index < values.count, case .value(let value) = values[index] else { throw mismatch(index, expected: "a value") }
        return value
    }

    func number(_ index: Int) throws(JMESPathError) -> JSONNumber {
        guard case .number(let number) = try value(index) else { throw mismatch(index, expected: "a number") }
        return number
    }

    func string(_ index: Int) throws(JMESPathError) -> String {
        guard case .string(let string) = try value(index) else { throw mismatch(index, expected: "a string") }
        return string
    }

    func array(_ index: Int) throws(JMESPathError) -> [JSONValue] {
        guard case .array(let elements) = try value(index) else { throw mismatch(index, expected: "an array") }
        return elements
    }

    func object(_ index: Int) throws(JMESPathError) -> JSONObject {
        guard case .object(let object) = try value(index) else { throw mismatch(index, expected: "an object") }
        return object
    }

    func expression(_ index: Int) throws(JMESPathError) -> JMESPathNode {
        guard index < values.count, case .expression(let node) = values[index] else {
            throw mismatch(index, expected: "an expression reference (&…)")
        }
        return node
    }

    /// An `array[number]`.
    func numbers(_ index: Int) throws(JMESPathError) -> [JSONNumber] {
        var numbers: [JSONNumber] = []
        for element in try array(index) {
            guard case .number(let number) = element else { throw mismatch(index, expected: "an array of numbers") }
            numbers.append(number)
        }
        return numbers
    }

    /// An `array[string]`.
    func strings(_ index: Int) throws(JMESPathError) -> [String] {
        var strings: [String] = []
        for element in try array(index) {
            guard case .string(let string) = element else { throw mismatch(index, expected: "an array of strings") }
            strings.append(string)
        }
        return strings
    }
}
