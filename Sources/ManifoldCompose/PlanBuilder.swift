/// Compiles a route's call specs into a `CallPlan`, rejecting at load everything that would
/// fail at request time: bad expressions, names that are neither calls nor context roots,
/// cycles, and required calls that read optional ones.
public enum PlanBuilder {
    /// What templates may read besides the calls: the request's parts.
    public static let contextRoots: Set<String> = ["path", "query", "headers", "body", "client"]
    /// What `each` adds for the request template of a fan-out call.
    static let eachRoots: Set<String> = ["item", "index"]

    /// - Throws: every problem found, each naming its call.
    public static func build<Target: Sendable>(
        calls specs: [CallSpec<Target>],
        responses: [String: String],
        defaultResponse: String?
    ) throws(PlanErrors) -> CallPlan<Target> {
        var errors: [ComposeError] = []
        var rootsRead = Set<String>()
        let index = Dictionary(specs.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })

        func compile(_ text: String?, at location: String) -> JMESPath? {
            guard let text else { return nil }
            do {
                return try JMESPath(text)
            } catch {
                errors.append(ComposeError(location: location, message: "\(error.message) in \"\(text)\"", position: error.position))
                return nil
            }
        }

        /// The calls an expression reads, reporting names that are nothing known.
        func reads(_ expression: JMESPath?, at location: String, extraRoots: Set<String> = []) -> Set<Int> {
            guard let expression else { return [] }
            var found = Set<Int>()
            for name in expression.rootFields.sorted() {
                if name == "*" {
                    errors.append(ComposeError(location: location, message: "reads the whole context (@ or *); name the parts it reads"))
                } else if let call = index[name] {
                    found.insert(call)
                } else if contextRoots.contains(name) {
                    rootsRead.insert(name)
                } else if !extraRoots.contains(name) {
                    let known = (specs.map(\.name) + contextRoots.sorted() + extraRoots.sorted()).joined(separator: ", ")
                    errors.append(ComposeError(location: location, message: "reads \"\(name)\", which is not one of \(known)"))
                }
            }
            return found
        }

        var calls: [CallPlan<Target>.Call] = []
        for (position, spec) in specs.enumerated() {
            if index[spec.name] != position {
                errors.append(ComposeError(location: spec.name, message: "two calls are named \"\(spec.name)\""))
            }
            if contextRoots.contains(spec.name) || eachRoots.contains(spec.name) {
                errors.append(ComposeError(location: spec.name, message: "\"\(spec.name)\" is reserved for the request context; rename the call"))
            }
            let request = compile(spec.request, at: "\(spec.name).request")
            let when = compile(spec.when, at: "\(spec.name).when")
            let eachList = compile(spec.each, at: "\(spec.name).each")
            if eachList != nil && request == nil && spec.request == nil {
                errors.append(ComposeError(location: "\(spec.name).each", message: "a call with each needs a request template reading item"))
            }
            if spec.concurrency < 1 {
                errors.append(ComposeError(location: "\(spec.name).concurrency", message: "must be at least 1"))
            }
            var dependencies = reads(request, at: "\(spec.name).request", extraRoots: eachList == nil ? [] : eachRoots)
            dependencies.formUnion(reads(when, at: "\(spec.name).when"))
            dependencies.formUnion(reads(eachList, at: "\(spec.name).each"))
            for dependency in dependencies.sorted() where !spec.optional && specs[dependency].optional {
                errors.append(
                    ComposeError(
                        location: spec.name,
                        message: "a required call may not read the optional call \"\(specs[dependency].name)\"; make \"\(spec.name)\" optional too"
                    )
                )
            }
            calls.append(
                CallPlan<Target>.Call(
                    name: spec.name,
                    target: spec.target,
                    request: request,
                    when: when,
                    each: eachList.map { CallPlan<Target>.Each(list: $0, concurrency: max(spec.concurrency, 1)) },
                    optional: spec.optional,
                    timeout: spec.timeout,
                    dependencies: dependencies.sorted()
                )
            )
        }

        if let cycle = findCycle(calls) {
            errors.append(
                ComposeError(location: calls[cycle[0]].name, message: "calls form a cycle: " + cycle.map { calls[$0].name }.joined(separator: " -> "))
            )
        }

        var compiledResponses: [String: JMESPath] = [:]
        for (client, text) in responses.sorted(by: { $0.key < $1.key }) {
            let location = "respond.\(client)"
            if let expression = compile(text, at: location) {
                _ = reads(expression, at: location)
                compiledResponses[client] = expression
            }
        }
        let defaultExpression = compile(defaultResponse, at: "respond")
        _ = reads(defaultExpression, at: "respond")

        guard errors.isEmpty else { throw PlanErrors(errors: errors) }
        return CallPlan(
            calls: calls, responses: compiledResponses, defaultResponse: defaultExpression, contextRootsRead: rootsRead
        )
    }

    /// A path of call indices that returns to its start, if there is one.
    private static func findCycle<Target>(_ calls: [CallPlan<Target>.Call]) -> [Int]? {
        var marks = [VisitMark](repeating: .unvisited, count: calls.count)
        var stack: [Int] = []
        func visit(_ node: Int) -> [Int]? {
            marks[node] = .visiting
            stack.append(node)
            for next in calls[node].dependencies {
                switch marks[next] {
                case .visiting:
                    let start = stack.firstIndex(of: next)!
                    return Array(stack[start...]) + [next]
                case .unvisited:
                    if let cycle = visit(next) { return cycle }
                case .done:
                    break
                }
            }
            stack.removeLast()
            marks[node] = .done
            return nil
        }
        for node in calls.indices where marks[node] == .unvisited {
            if let cycle = visit(node) { return cycle }
        }
        return nil
    }
}

private enum VisitMark { case unvisited, visiting, done }

/// Every problem found in one route's plan.
public struct PlanErrors: Error, Sendable {
    public var errors: [ComposeError]
}
