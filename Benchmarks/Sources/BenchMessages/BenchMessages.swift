import Foundation

/// The JSON of the benchmark messages: a small Ping (~100 bytes of protobuf), a medium Order
/// (~2 KB: nested, repeated, a map) and a large Order (~200 KB: a hundred times the items).
public enum BenchMessages {
    public static let small = #"""
    {"id":"ping-7f3a","sequence":"1234567890123","urgent":true,"load":0.75,"region":"eu-west-1","codes":[200,201,404,503]}
    """#

    public static func order(items: Int) -> String {
        var lines: [String] = []
        for i in 0..<items {
            lines.append(
                #"{"sku":"SKU-\#(10000 + i)","title":"Item number \#(i) with a reasonably descriptive title","quantity":\#(i % 5 + 1),"#
                    + #""unitPrice":{"currencyCode":"EUR","units":"\#(i * 3 + 1)","nanos":990000000},"tags":["tag-a","tag-b","sale"],"gift":\#(i % 2 == 0)}"#
            )
        }
        return #"""
        {"id":"order-000123","customer":{"id":"cust-42","name":"Ada Lovelace","email":"ada@example.com",
        "shipping":{"street":"12 Analytical Engine Way","city":"London","postalCode":"EC1A 1BB","country":"GB"},
        "billing":{"street":"12 Analytical Engine Way","city":"London","postalCode":"EC1A 1BB","country":"GB"},
        "segments":["vip","early-adopter"]},"items":[\#(lines.joined(separator: ","))],
        "total":{"currencyCode":"EUR","units":"1234","nanos":500000000},"status":"STATUS_SHIPPED",
        "createdAt":"2026-11-23T10:15:30.123Z","labels":{"channel":"web","campaign":"winter","priority":"high"},
        "version":"17","signature":"c2lnbmF0dXJlLWJ5dGVzLWZvci10aGUtb3JkZXI="}
        """#
    }

    public static let medium = order(items: 10)
    public static let large = order(items: 1000)

    /// The folder of the benchmark protos, found from this file.
    public static let protoRoot: String = {
        URL(fileURLWithPath: #filePath)  // Benchmarks/Sources/BenchMessages/BenchMessages.swift
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Protos").path
    }()
}
