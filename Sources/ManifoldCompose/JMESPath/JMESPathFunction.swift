/// The functions JMESPath defines, resolved by name when an expression is compiled so that an
/// unknown name or a wrong number of arguments is a compile-time error.
enum JMESPathFunction: String, Sendable, CaseIterable {
    case abs
    case avg
    case ceil
    case contains
    case endsWith = "ends_with"
    case floor
    case join
    case keys
    case length
    case map
    case max
    case maxBy = "max_by"
    case merge
    case min
    case minBy = "min_by"
    case notNull = "not_null"
    case reverse
    case sort
    case sortBy = "sort_by"
    case startsWith = "starts_with"
    case sum
    case toArray = "to_array"
    case toNumber = "to_number"
    case toString = "to_string"
    case type
    case values

    /// The name as written in expressions.
    var name: String { rawValue }

    /// How many arguments the function takes; `nil` as the maximum means variadic.
    var arity: (minimum: Int, maximum: Int?) {
        switch self {
        case .abs, .avg, .ceil, .floor, .keys, .length, .max, .min, .reverse, .sort, .sum, .toArray, .toNumber,
            .toString, .type, .values:
            (1, 1)
        case .contains, .endsWith, .join, .map, .maxBy, .minBy, .sortBy, .startsWith:
            (2, 2)
        case .merge, .notNull:
            (1, nil)
        }
    }

    /// Checks the number of arguments of a call at `position` in the expression.
    func checkArity(_ count: Int, at position: Int) throws(JMESPathError) {
        let (minimum, maximum) = arity
        guard count < minimum || count > (maximum ?? Int.max) else { return }
        let expected =
            switch maximum {
            case nil: "at least \(minimum) argument\(minimum == 1 ? "" : "s")"
            case let maximum? where maximum == minimum: "\(minimum) argument\(minimum == 1 ? "" : "s")"
            case let maximum?: "\(minimum) to \(maximum) arguments"
            }
        throw JMESPathError(kind: .invalidArity, message: "\(name)() takes \(expected), got \(count)", position: position)
    }
}
