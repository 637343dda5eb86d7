import Synchronization

/// What the calling side holds of one call: whether its task was cancelled, and, once the
/// call has started on its connection, which stream carries it.
///
/// The cancel and the start of a call travel to the event loop separately, so a cancel can
/// arrive before the call exists there; the handler checks `isCancelled` when it starts the
/// call, which closes that gap. The stream id saves the handler a table from calls to
/// streams: it is written and read only on the connection's event loop (atomic only to be
/// Sendable), and stream ids are never reused on a connection, so a stale one finds nothing.
final class CallHandle: Sendable {
    private let cancelled = Atomic<Bool>(false)
    private let stream = Atomic<Int32>(0)  // 0: not started; HTTP/2 client streams are odd

    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    func cancel() { cancelled.store(true, ordering: .releasing) }

    /// The call's stream, once started.
    var streamID: Int32? {
        let id = stream.load(ordering: .relaxed)
        return id == 0 ? nil : id
    }

    func started(on streamID: Int32) { stream.store(streamID, ordering: .relaxed) }
}
