import Synchronization

/// A count that handler tasks bump and the test reads, from any thread.
public final class Counter: Sendable {
    private let storage = Atomic<Int>(0)

    public init() {}

    public func add(_ amount: Int) { storage.add(amount, ordering: .relaxed) }

    public var value: Int { storage.load(ordering: .relaxed) }
}
