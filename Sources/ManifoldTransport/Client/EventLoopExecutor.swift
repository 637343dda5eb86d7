public import NIOCore

/// Runs Swift tasks on a SwiftNIO event loop.
///
/// A task that prefers this executor (`withTaskExecutorPreference`) and calls a backend whose
/// connection lives on the same event loop makes no thread crossing: the call starts on the
/// loop's thread directly, and the response resumes the task there, with no wake-up of
/// another thread. Without it, each call crosses twice (the calling task's thread to the
/// loop, the loop back to the Swift concurrency pool).
public final class EventLoopExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: `eventLoop` is immutable and EventLoop is Sendable; the class holds nothing else.
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
