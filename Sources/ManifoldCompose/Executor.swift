public import ManifoldCore

/// Runs a plan for one request: one TaskGroup, each call starting the moment every call it
/// reads has finished.
///
/// Children never throw: each returns its index and a `Result`. The parent owns the context
/// (a value: a running child holds its own copy), records each answer, starts what became
/// ready, and on a required call's failure cancels the rest (their streams are reset).
public struct Executor<Invoker: CallInvoker>: Sendable {
    public let invoker: Invoker

    public init(invoker: Invoker) {
        self.invoker = invoker
    }

    private enum State: Equatable {
        case pending, running, succeeded, failed, skipped

        var isFinished: Bool { self == .succeeded || self == .failed || self == .skipped }
    }

    /// Runs `plan` over `context` (`path`, `query`, `headers`, `body`, `client`).
    /// - Parameters:
    ///   - defaultRequest: the request of call `index` when it has no template.
    ///   - deadline: bounds every call; each call also has its own timeout.
    public func run(
        _ plan: CallPlan<Invoker.Target>,
        context initial: JSONObject,
        client: String,
        deadline: ContinuousClock.Instant,
        defaultRequest: (Int) throws(CallFailure) -> JSONValue
    ) async -> Result<ComposeOutcome, RequiredCallFailure> {
        var context = initial
        var states = [State](repeating: .pending, count: plan.calls.count)
        var failures: [(call: String, failure: CallFailure)] = []

        let required: RequiredCallFailure? = await withTaskGroup(of: (Int, Result<JSONValue, CallFailure>).self) { group in
            var running = 0
            while true {
                // Start everything whose inputs are all finished; repeat, since a skip can
                // unblock more calls without any child finishing.
                var progressed = true
                while progressed {
                    progressed = false
                    for (index, call) in plan.calls.enumerated() where states[index] == .pending {
                        guard call.dependencies.allSatisfy({ states[$0].isFinished }) else { continue }
                        progressed = true
                        if let failed = call.dependencies.first(where: { states[$0] == .failed }) {
                            // Only optional calls can read optional ones (PlanBuilder checks).
                            states[index] = .failed
                            context[call.name] = .null
                            let cause = failures.first { $0.call == plan.calls[failed].name }?.failure
                            failures.append((call.name, CallFailure(cause?.code ?? .unavailable, "skipped: it reads \"\(plan.calls[failed].name)\", which failed")))
                            continue
                        }
                        let start: Result<Work?, CallFailure> = prepare(call, index: index, context: context, defaultRequest: defaultRequest)
                        switch start {
                        case .success(nil):
                            states[index] = .skipped
                            context[call.name] = .null
                        case .success(let work?):
                            states[index] = .running
                            running += 1
                            group.addTask { (index, await execute(call, work, deadline: deadline)) }
                        case .failure(let failure):
                            if !call.optional {
                                group.cancelAll()
                                return RequiredCallFailure(call: call.name, failure: failure)
                            }
                            states[index] = .failed
                            context[call.name] = .null
                            failures.append((call.name, failure))
                        }
                    }
                }
                guard running > 0, let (index, result) = await group.next() else { return nil }
                running -= 1
                let call = plan.calls[index]
                switch result {
                case .success(let value):
                    states[index] = .succeeded
                    context[call.name] = value
                case .failure(let failure):
                    guard call.optional else {
                        group.cancelAll()
                        return RequiredCallFailure(call: call.name, failure: failure)
                    }
                    states[index] = .failed
                    context[call.name] = .null
                    failures.append((call.name, failure))
                }
            }
        }
        if let required { return .failure(required) }

        do {
            let body = try respond(plan, context: context, client: client)
            return .success(ComposeOutcome(body: body, failures: failures))
        } catch {
            return .failure(RequiredCallFailure(call: "respond", failure: CallFailure(.internalError, "response template failed: \(error.message)")))
        }
    }

    // MARK: - One call

    /// A call ready to run: every request it sends, already built.
    private enum Work: Sendable {
        case single(JSONValue)
        /// One request per item, sent at most `concurrency` at once.
        case each([JSONValue], concurrency: Int)
    }

    /// Evaluates what a call needs before it starts (nil: `when` skips it); cheap and
    /// synchronous, so done in the parent, which owns the context: children get only their
    /// requests.
    private func prepare(
        _ call: CallPlan<Invoker.Target>.Call,
        index: Int,
        context: JSONObject,
        defaultRequest: (Int) throws(CallFailure) -> JSONValue
    ) -> Result<Work?, CallFailure> {
        do throws(CallFailure) {
            let root = JSONValue.object(context)
            if let when = call.when, !(try evaluate(when, root, "when")).isTruthy {
                return .success(nil)
            }
            if let each = call.each {
                switch try evaluate(each.list, root, "each") {
                case .null: return .success(.each([], concurrency: each.concurrency))
                case .array(let items):
                    return .success(.each(try requests(of: call, items: items, context: context), concurrency: each.concurrency))
                case let other: throw CallFailure(.invalidArgument, "each of \(call.name) expected a list, got \(other.typeName)")
                }
            }
            if let request = call.request { return .success(.single(try evaluate(request, root, "request"))) }
            return .success(.single(try defaultRequest(index)))
        } catch {
            return .failure(error)
        }
    }

    private func execute(
        _ call: CallPlan<Invoker.Target>.Call,
        _ work: Work,
        deadline: ContinuousClock.Instant
    ) async -> Result<JSONValue, CallFailure> {
        let remaining = deadline - .now
        guard remaining > .zero else {
            return .failure(CallFailure(.deadlineExceeded, "the request's deadline passed before \(call.name) started"))
        }
        let timeout = min(call.timeout, remaining)
        switch work {
        case .single(let request):
            return await invoker.invoke(call.target, request: request, timeout: timeout)
        case .each(let requests, let concurrency):
            return await fanOut(call, requests: requests, concurrency: concurrency, deadline: deadline)
        }
    }

    /// The request of each item: the call's template over the context plus `item` and `index`.
    private func requests(of call: CallPlan<Invoker.Target>.Call, items: [JSONValue], context: JSONObject) throws(CallFailure) -> [JSONValue] {
        var requests: [JSONValue] = []
        requests.reserveCapacity(items.count)
        var scope = context
        for (position, item) in items.enumerated() {
            scope["item"] = item
            scope["index"] = .int(Int64(position))
            do {
                requests.append(try call.request!.search(.object(scope)))
            } catch {
                throw CallFailure(.invalidArgument, "request of \(call.name)[\(position)]: \(error.message)")
            }
        }
        return requests
    }

    /// One call per request, at most `concurrency` at once; answers in order. The first
    /// failure cancels the rest and fails the whole call.
    private func fanOut(
        _ call: CallPlan<Invoker.Target>.Call,
        requests prepared: [JSONValue],
        concurrency: Int,
        deadline: ContinuousClock.Instant
    ) async -> Result<JSONValue, CallFailure> {
        // Each item gets what is left of the request's deadline when it starts: items that
        // wait for a free slot must not run past the request.
        let invoke = { @Sendable (position: Int) async -> Result<JSONValue, CallFailure> in
            let remaining = deadline - .now
            guard remaining > .zero else {
                return .failure(CallFailure(.deadlineExceeded, "the request's deadline passed before item \(position) started"))
            }
            return await invoker.invoke(call.target, request: prepared[position], timeout: min(call.timeout, remaining))
        }
        return await withTaskGroup(of: (Int, Result<JSONValue, CallFailure>).self) { group in
            var answers = [JSONValue](repeating: .null, count: prepared.count)
            var next = 0
            while next < prepared.count && next < concurrency {
                let position = next
                group.addTask { (position, await invoke(position)) }
                next += 1
            }
            while let (position, result) = await group.next() {
                switch result {
                case .success(let answer): answers[position] = answer
                case .failure(let failure):
                    group.cancelAll()
                    return .failure(CallFailure(failure.code, "\(call.name)[\(position)]: \(failure.message)", detail: failure.detail))
                }
                if next < prepared.count {
                    let position = next
                    group.addTask { (position, await invoke(position)) }
                    next += 1
                }
            }
            return .success(.array(answers))
        }
    }

    // MARK: - Templates

    private func evaluate(_ expression: JMESPath, _ root: JSONValue, _ what: String) throws(CallFailure) -> JSONValue {
        do {
            return try expression.search(root)
        } catch {
            throw CallFailure(.invalidArgument, "\(what) template \"\(expression.expression)\" failed: \(error.message)")
        }
    }

    private func respond(_ plan: CallPlan<Invoker.Target>, context: JSONObject, client: String) throws(JMESPathError) -> JSONValue {
        if let expression = plan.responses[client] ?? plan.defaultResponse {
            return try expression.search(.object(context))
        }
        if plan.calls.count == 1 { return context[plan.calls[0].name] ?? .null }
        var body = JSONObject()
        for call in plan.calls { body.appendUnique(call.name, context[call.name] ?? .null) }
        return .object(body)
    }
}
