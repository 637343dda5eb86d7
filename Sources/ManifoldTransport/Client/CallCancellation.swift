import Synchronization

/// A flag set when the task awaiting a call is cancelled.
///
/// The cancel and the start of a call travel to the event loop separately, so a cancel can
/// arrive before the call exists there; the handler checks this flag when it starts the call,
/// which closes that gap.
final class CallCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    var isCancelled: Bool { flag.load(ordering: .acquiring) }

    func cancel() { flag.store(true, ordering: .releasing) }
}
