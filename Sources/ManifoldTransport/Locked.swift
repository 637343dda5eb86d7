import NIOConcurrencyHelpers

/// A value behind a lock, with `Mutex.withLock`'s shape (typed throws included), on NIO's
/// pthread-based lock.
///
/// Why not `Synchronization.Mutex`: on Linux its contended paths (`_lockSlow`,
/// `_unlockSlow`) live in libswiftSynchronization.so, which ThreadSanitizer does not
/// instrument, so when a lock is contended TSan misses the ordering it provides and reports
/// races that are not there (seen on `ServerCallOutbound` under `scripts/sanitize thread`).
/// TSan intercepts pthread mutexes, so with this lock its reports stay worth reading.
struct Locked<Value> {
    private let box: NIOLockedValueBox<Value>

    init(_ value: Value) {
        box = NIOLockedValueBox(value)
    }

    func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        // The box's own method rethrows untyped errors; carry the typed one out in a Result.
        let outcome: Swift.Result<Result, Failure> = box.withLockedValue { value in
            Swift.Result { () throws(Failure) -> Result in try body(&value) }
        }
        return try outcome.get()
    }
}

extension Locked: Sendable where Value: Sendable {}
