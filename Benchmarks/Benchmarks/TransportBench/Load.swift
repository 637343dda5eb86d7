import ArgumentParser
import Histogram

/// A caller the load generator drives: one unary call, returning when the response is in.
protocol UnaryCaller: Sendable {
    /// Where the calling tasks run; nil for the Swift concurrency pool.
    var executor: (any TaskExecutor)? { get }
    nonisolated(nonsending) func call() async throws
    func shutdown() async
}

/// Closed-loop load: `--concurrency` tasks, each calling again as soon as its last call
/// returns, for `--warmup` seconds unrecorded and then `--duration` seconds recorded.
/// Prints one tab-separated line: client (`manifold-el` with `--on-event-loop`),
/// connections, concurrency, calls/s, p50 µs, p99 µs, errors.
struct Load: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Drive the echo server with one client.")

    enum Client: String, ExpressibleByArgument, CaseIterable {
        case manifold
        case grpcSwift = "grpc-swift"
    }

    @Option(help: "manifold or grpc-swift.") var client: Client
    @Option(help: "Server port on 127.0.0.1.") var port = 50070
    @Option(help: "Concurrent calls in flight.") var concurrency = 1
    @Option(help: "HTTP/2 connections the calls spread over.") var connections = 1
    @Option(help: "Request message size in bytes.") var requestSize = 64
    @Option(help: "Seconds to run before recording.") var warmup = 1.0
    @Option(help: "Seconds to record.") var duration = 5.0
    @Flag(help: "Manifold only: run the calls on the client's one event-loop thread.") var onEventLoop = false

    func validate() throws {
        guard concurrency >= 1, connections >= 1 else { throw ValidationError("concurrency and connections must be at least 1") }
        guard !onEventLoop || client == .manifold else { throw ValidationError("--on-event-loop is for the manifold client") }
    }

    func run() async throws {
        let caller: any UnaryCaller = switch client {
        case .manifold: ManifoldCaller(port: port, connections: connections, requestSize: requestSize, onEventLoop: onEventLoop)
        case .grpcSwift: try GRPCSwiftCaller(port: port, connections: connections, requestSize: requestSize)
        }
        let clock = ContinuousClock()
        let recordFrom = clock.now + .seconds(warmup)
        let end = recordFrom + .seconds(duration)

        let (histogram, errors) = await withTaskGroup(of: (Histogram<UInt64>, Int).self) { group in
            for _ in 0..<concurrency {
                group.addTask(executorPreference: caller.executor) {
                    var latencies = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
                    var errors = 0
                    while true {
                        let start = clock.now
                        if start >= end { break }
                        do {
                            try await caller.call()
                        } catch {
                            errors += 1
                        }
                        let stop = clock.now
                        if start >= recordFrom, stop <= end {
                            _ = latencies.record(UInt64((stop - start) / .microseconds(1)))
                        }
                    }
                    return (latencies, errors)
                }
            }
            var all = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
            var errors = 0
            for await (latencies, failed) in group {
                all.add(latencies)
                errors += failed
            }
            return (all, errors)
        }
        await caller.shutdown()

        let rate = Double(histogram.totalCount) / duration
        print([
            onEventLoop ? "manifold-el" : client.rawValue, String(connections), String(concurrency), String(Int(rate.rounded())),
            String(histogram.valueAtPercentile(50)), String(histogram.valueAtPercentile(99)), String(errors),
        ].joined(separator: "\t"))
    }
}
