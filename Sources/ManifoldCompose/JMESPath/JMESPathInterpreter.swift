internal import ManifoldCore

/// Evaluates a ``JMESPathNode`` tree against a JSON value.
///
/// Recursion follows the tree, whose height the parser bounds, so evaluation depth never
/// depends on the data.
enum JMESPathInterpreter {
    /// The value of `node` with `value` as the current node (`@`).
    static func evaluate(_ node: JMESPathNode, _ value: JSONValue) throws(JMESPathError) -> JSONValue {
        switch node.kind {
        case .current:
            return value
        case .field(let name):
            guard case .object(let object) = value else { return .null }
            return object[name] ?? .null
        case .index(let index):
            guard case .array(let elements) = value else { return .null }
            let resolved = index < 0 ? index + elements.count : index  // cannot overflow: count >= 0
            return elements.indices.contains(resolved) ? elements[resolved] : .null
        case .slice(let start, let stop, let step):
            guard case .array(let elements) = value else { return .null }
            return .array(slice(elements, start: start, stop: stop, step: step))
        case .literal(let literal):
            return literal
        case .subexpression(let steps):
            var result = value
            for step in steps {
                result = try evaluate(step, result)
                if result.isNull { break }
            }
            return result
        case .projection(let left, let right):
            guard case .array(let elements) = try evaluate(left, value) else { return .null }
            return .array(try project(elements, right))
        case .valueProjection(let left, let right):
            guard case .object(let object) = try evaluate(left, value) else { return .null }
            return .array(try project(object.members.map(\.value), right))
        case .filterProjection(let left, let condition, let right):
            guard case .array(let elements) = try evaluate(left, value) else { return .null }
            var kept: [JSONValue] = []
            for element in elements where try evaluate(condition, element).isTruthy {
                kept.append(element)
            }
            return .array(try project(kept, right))
        case .flatten(let child):
            guard case .array(let elements) = try evaluate(child, value) else { return .null }
            var flattened: [JSONValue] = []
            flattened.reserveCapacity(elements.count)
            for element in elements {
                if case .array(let inner) = element { flattened += inner } else { flattened.append(element) }
            }
            return .array(flattened)
        case .pipe(let left, let right):
            return try evaluate(right, try evaluate(left, value))
        case .or(let left, let right):
            let result = try evaluate(left, value)
            return result.isTruthy ? result : try evaluate(right, value)
        case .and(let left, let right):
            let result = try evaluate(left, value)
            return result.isTruthy ? try evaluate(right, value) : result
        case .not(let child):
            return .bool(!(try evaluate(child, value).isTruthy))
        case .comparison(let comparator, let left, let right):
            return compare(comparator, try evaluate(left, value), try evaluate(right, value))
        case .multiSelectList(let elements):
            if value.isNull { return .null }
            var results: [JSONValue] = []
            results.reserveCapacity(elements.count)
            for element in elements { results.append(try evaluate(element, value)) }
            return .array(results)
        case .multiSelectHash(let members):
            if value.isNull { return .null }
            var object = JSONObject()
            for (key, member) in members { object[key] = try evaluate(member, value) }
            return .object(object)
        case .function(let function, let argumentNodes):
            var arguments: [JMESPathArgument] = []
            arguments.reserveCapacity(argumentNodes.count)
            for argument in argumentNodes {
                if case .expressionReference(let expression) = argument.kind {
                    arguments.append(.expression(expression))
                } else {
                    arguments.append(.value(try evaluate(argument, value)))
                }
            }
            return try call(function, JMESPathArguments(function: function, values: arguments))
        case .expressionReference:
            throw .invalidType("an expression reference (&…) can only be a function argument")
        }
    }

    /// `right` applied to each element, null results dropped.
    private static func project(_ elements: [JSONValue], _ right: JMESPathNode) throws(JMESPathError) -> [JSONValue] {
        if case .current = right.kind { return elements.filter { !$0.isNull } }
        var results: [JSONValue] = []
        results.reserveCapacity(elements.count)
        for element in elements {
            let result = try evaluate(right, element)
            if !result.isNull { results.append(result) }
        }
        return results
    }

    /// Python's slice semantics: negative bounds count from the end, out-of-range bounds clamp.
    static func slice(_ elements: [JSONValue], start: Int?, stop: Int?, step: Int) -> [JSONValue] {
        let count = elements.count
        // Adding `count` only to negative values keeps saturated bounds (Int.min, Int.max) from
        // overflowing.
        func clamp(_ bound: Int) -> Int {
            if bound < 0 {
                let resolved = bound + count
                return resolved >= 0 ? resolved : (step < 0 ? -1 : 0)
            }
            return bound >= count ? (step < 0 ? count - 1 : count) : bound
        }
        var position = start.map(clamp) ?? (step < 0 ? count - 1 : 0)
        let end = stop.map(clamp) ?? (step < 0 ? -1 : count)
        var results: [JSONValue] = []
        while step > 0 ? position < end : position > end {
            results.append(elements[position])
            let (next, overflow) = position.addingReportingOverflow(step)
            if overflow { break }
            position = next
        }
        return results
    }

    private static func compare(_ comparator: JMESPathNode.Comparator, _ left: JSONValue, _ right: JSONValue) -> JSONValue {
        switch comparator {
        case .equal: return .bool(left == right)
        case .notEqual: return .bool(left != right)
        default: break
        }
        // Ordering is defined only between numbers; any other pair compares to null.
        guard case .number(let a) = left, case .number(let b) = right else { return .null }
        let order = JSONNumber.jmesPathCompare(a, b)
        switch comparator {
        case .less: return .bool(order < 0)
        case .lessOrEqual: return .bool(order <= 0)
        case .greater: return .bool(order > 0)
        default: return .bool(order >= 0)
        }
    }
}
