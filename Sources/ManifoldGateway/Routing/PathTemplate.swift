import ManifoldCore

/// A route's path, such as `/products/{id}`, compiled once at config load.
///
/// Literal segments match exactly; `{name}` matches one non-empty segment and captures it,
/// percent-decoded.
struct PathTemplate: Sendable, CustomStringConvertible {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    let segments: [Segment]
    let description: String

    /// - Throws: a message saying what is wrong with the template.
    init(_ template: String) throws(PathTemplateError) {
        guard template.hasPrefix("/") else { throw PathTemplateError("a path must start with /") }
        var segments: [Segment] = []
        var names = Set<String>()
        for part in template.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            if part.hasPrefix("{") && part.hasSuffix("}") {
                let name = String(part.dropFirst().dropLast())
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) else {
                    throw PathTemplateError("invalid parameter \"\(part)\"")
                }
                guard names.insert(name).inserted else { throw PathTemplateError("parameter {\(name)} appears twice") }
                segments.append(.parameter(name))
            } else {
                guard !part.contains("{"), !part.contains("}") else {
                    throw PathTemplateError("a parameter must fill a whole segment: \"\(part)\"")
                }
                segments.append(.literal(String(part)))
            }
        }
        self.segments = segments
        self.description = template
    }

    var parameterNames: [String] {
        segments.compactMap { if case .parameter(let name) = $0 { name } else { nil } }
    }

    /// The captured parameters when `path` matches, else nil.
    func match(_ pathSegments: [Substring]) -> [(String, String)]? {
        guard pathSegments.count == segments.count else { return nil }
        var captured: [(String, String)] = []
        for (segment, actual) in zip(segments, pathSegments) {
            switch segment {
            case .literal(let literal):
                guard actual == literal else { return nil }
            case .parameter(let name):
                guard !actual.isEmpty, let decoded = Self.percentDecode(actual) else { return nil }
                captured.append((name, decoded))
            }
        }
        return captured
    }

    /// Percent-decodes one path segment; nil when the escapes are broken or not UTF-8.
    static func percentDecode(_ text: Substring) -> String? {
        guard text.contains("%") else { return String(text) }
        return PercentDecoding.decode(text, strict: true).flatMap { String(validating: $0, as: UTF8.self) }
    }
}

struct PathTemplateError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
