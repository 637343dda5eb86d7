#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How long to wait before connecting again after failures, per gRPC's
/// doc/connection-backoff.md: exponential growth with random jitter, so many clients that
/// lost the same server do not reconnect in lockstep.
public struct ConnectionBackoff: Sendable {
    public var initial: Duration = .seconds(1)
    public var multiplier = 1.6
    /// Each delay is spread uniformly over ±jitter of itself.
    public var jitter = 0.2
    public var maximum: Duration = .seconds(120)

    public init() {}

    public init(initial: Duration, multiplier: Double = 1.6, jitter: Double = 0.2, maximum: Duration = .seconds(120)) {
        self.initial = initial
        self.multiplier = multiplier
        self.jitter = jitter
        self.maximum = maximum
    }

    /// The delay after `failures` consecutive failed connects (1 for the first).
    func delay<G: RandomNumberGenerator>(afterFailures failures: Int, using generator: inout G) -> Duration {
        let base = initial.seconds * pow(multiplier, Double(max(0, failures - 1)))
        let capped = min(base, maximum.seconds)
        let spread = jitter > 0 ? Double.random(in: -jitter...jitter, using: &generator) : 0
        return .nanoseconds(Int64(max(0, capped * (1 + spread)) * 1e9))
    }

    func delay(afterFailures failures: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(afterFailures: failures, using: &generator)
    }
}
