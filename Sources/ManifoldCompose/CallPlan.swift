/// A route's backend calls, compiled once at config load: their templates, options and the
/// dependencies inferred from what each template reads.
public struct CallPlan<Target: Sendable>: Sendable {
    /// One call of the plan.
    public struct Call: Sendable {
        public let name: String
        public let target: Target
        /// Builds the request message from the context; nil means `defaultRequest`.
        public let request: JMESPath?
        /// The call runs only when this is truthy; otherwise it is null, without an error.
        public let when: JMESPath?
        /// Runs the call once per element of a list, the element seen as `item` (and its
        /// position as `index`); the result is the list of answers, in order.
        public let each: Each?
        public let optional: Bool
        public let timeout: Duration
        /// Indices of the calls this one reads.
        public let dependencies: [Int]
    }

    /// Fan-out over a list, at most `concurrency` calls in flight.
    public struct Each: Sendable {
        public let list: JMESPath
        public let concurrency: Int

        public init(list: JMESPath, concurrency: Int) {
            self.list = list
            self.concurrency = concurrency
        }
    }

    public let calls: [Call]
    /// The response per client name; `defaultResponse` for clients not listed.
    public let responses: [String: JMESPath]
    /// nil: the only call's answer, or an object of every call's answer by name.
    public let defaultResponse: JMESPath?
    /// The context roots (`path`, `query`, `headers`, `body`, `client`) some template reads,
    /// so a request builds only those.
    public let contextRootsRead: Set<String>

    /// Call names grouped by how many calls stand before them: level 0 reads none.
    public var levels: [[String]] {
        var depth = [Int](repeating: 0, count: calls.count)
        for index in topologicalOrder {
            depth[index] = (calls[index].dependencies.map { depth[$0] + 1 }.max()) ?? 0
        }
        let count = (depth.max() ?? -1) + 1
        var levels = [[String]](repeating: [], count: count)
        for (index, call) in calls.enumerated() { levels[depth[index]].append(call.name) }
        return levels
    }

    /// Call indices such that every call comes after those it reads (a valid plan has no cycles).
    var topologicalOrder: [Int] {
        var order: [Int] = []
        var placed = [Bool](repeating: false, count: calls.count)
        while order.count < calls.count {
            let before = order.count
            for (index, call) in calls.enumerated() where !placed[index] && call.dependencies.allSatisfy({ placed[$0] }) {
                placed[index] = true
                order.append(index)
            }
            if order.count == before { break }  // a cycle; PlanBuilder rejects those
        }
        return order
    }
}
